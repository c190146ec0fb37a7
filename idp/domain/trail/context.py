"""Where the current unit of work comes from, for the audit trail: the domain does not know
the request, so the edges say it here (issue 12, "Audit").

- a web request: the client IP of ``idp.web.client_ip`` (the trusted-proxy setting), set before
  the view and reset after it (``idp/web/__init__.py``); the actor is the entry's subject;
- an ``idp`` command: ``"cli"`` as the origin and the actor (``idp/cli/common.py``);
- a background worker pass: ``"worker"``, actor ``"system"`` (``idp/worker.py``).

A ``ContextVar`` is per thread and per task, so concurrent requests never see each other's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    ip: str | None  # the client IP, "cli" or "worker"
    actor: str | None = None  # who acts when the entry names nobody else (None: the subject)


_ORIGIN: ContextVar[Origin | None] = ContextVar("idp_trail_origin", default=None)


def enter(origin: Origin) -> Token[Origin | None]:
    return _ORIGIN.set(origin)


def leave(token: Token[Origin | None]) -> None:
    _ORIGIN.reset(token)


@contextmanager
def origin_of(origin: Origin) -> Iterator[None]:
    token = enter(origin)
    try:
        yield
    finally:
        leave(token)


def current() -> Origin | None:
    return _ORIGIN.get()


CLI = Origin("cli", "cli")
WORKER = Origin("worker", "system")
