"""What every ``idp`` command shares: failing with a reason, the command as the transaction,
and domain errors turned into that failure."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click

from ..domain.errors import DomainError
from ..messages import describe

T = TypeVar("T")


def fail(message: str) -> NoReturn:
    """Print the reason to stderr and exit 1 (usage errors exit 2, from click)."""
    click.echo(f"错误：{message}", err=True)
    sys.exit(1)


def in_transaction(command: click.Command) -> click.Command:
    """The command is the transaction (issue 10, item 1): its work commits once it returned,
    and rolls back on any exception or exit (``fail``). Groups pass it on to their commands;
    wrapping twice is a no-op (every app built registers the same command objects)."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            in_transaction(sub)
        return command
    callback = command.callback
    if callback is None or getattr(callback, "in_transaction", False):
        return command

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        from ..domain import transaction
        from ..domain.trail import context

        with context.origin_of(context.CLI):  # the audit trail's actor and origin: "cli"
            try:
                result = callback(*args, **kwargs)
            except BaseException:
                transaction.rollback_quietly()
                raise
            try:
                transaction.commit()
            except Exception as exc:
                transaction.rollback_quietly()
                fail(f"未能保存（数据库提交失败：{type(exc).__name__}），没有写入任何内容。")
        return result

    run.in_transaction = True  # type: ignore[attr-defined]
    command.callback = run
    return command


def domain_call(fn: Callable[[], T]) -> T:
    """``fn()``, or exit 1 with the domain's reason when it refuses."""
    try:
        return fn()
    except DomainError as exc:
        fail(describe(exc))
