"""Parsing the legacy import's rows in this process or in a pool of worker processes (L1).

Parsing (``legacy_rows.parse``: validation, AES-GCM encryption, blind indexes) is most of the
first import's time. With ``workers`` > 1 it runs in that many processes forked from this one
(they inherit the application, its settings and keys, and the import's ``Context``; nothing
is pickled but the rows and their results), while this process reads, digests and writes the
neighbouring batches. Workers never touch the database. Results keep the rows' order.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

from flask import Flask, current_app

from ..errors import Notice, ValidationError
from . import rows as legacy_rows

if TYPE_CHECKING:
    from multiprocessing.pool import Pool

# a row (without its ``files.RAW`` entry) and the filed USCC index from the register
Item = tuple[dict[str, Any], "str | None"]
Result: TypeAlias = "legacy_rows.LegacyRow | Notice"  # the parsed row, or why it is rejected

_CTX: legacy_rows.Context | None = None


def parse_all(ctx: legacy_rows.Context, items: list[Item]) -> list[Result]:
    out: list[Result] = []
    for row, filed in items:
        try:
            out.append(legacy_rows.parse(row, ctx, filed))
        except ValidationError as exc:
            out.append(Notice.of(exc))
    return out


def _start(app: Flask, ctx: legacy_rows.Context) -> None:
    global _CTX
    app.app_context().push()  # services() in the worker: the forked copy of this application
    _CTX = ctx


def _parse_chunk(items: list[Item]) -> list[Result]:
    assert _CTX is not None  # set by _start in this worker
    return parse_all(_CTX, items)


class Parser:
    """``submit(items)`` starts parsing and returns a function giving the results in order.
    A context manager: the pool (if any) is stopped on exit."""

    pool: Pool | None

    def __init__(
        self,
        ctx: legacy_rows.Context,
        workers: int = 1,
        before_fork: Callable[[], None] = lambda: None,
    ) -> None:
        self.ctx, self.workers, self.pool = ctx, max(1, workers), None
        self.before_fork = before_fork  # e.g. until no other thread is in a query

    def __enter__(self) -> Parser:
        return self

    def _start_pool(self) -> None:
        """Started at the first rows to parse, so a re-run of an unchanged file forks nothing."""
        app = current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy
        self.before_fork()
        gc.freeze()  # the inherited objects stay shared: the collector does not touch them
        self.pool = multiprocessing.get_context("fork").Pool(
            self.workers, initializer=_start, initargs=(app, self.ctx)
        )

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            gc.unfreeze()

    def submit(self, items: list[Item]) -> Callable[[], list[Result]]:
        if self.workers == 1 or len(items) < self.workers:
            return lambda: parse_all(self.ctx, items)
        if self.pool is None:
            self._start_pool()
        assert self.pool is not None  # started above if it was not
        step = -(-len(items) // self.workers)
        pending = self.pool.map_async(
            _parse_chunk, [items[i : i + step] for i in range(0, len(items), step)]
        )
        return lambda: [result for chunk in pending.get() for result in chunk]
