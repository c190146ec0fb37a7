"""``idp audit``: reports about the data already stored, and the audit trail.

``idp audit identifiers [--json]`` lists every stored name, document number, mobile, e-mail
address and USCC (users, organisations, legacy accounts, appeals) that today's input rules
would refuse (``idp/domain/identity/audit.py``): one line per finding with the table, the row
id, the field and the rule — never the value. Exit 1 when anything was found, 0 otherwise.

The audit trail (``idp.domain.trail``): ``idp audit seal`` seals the committed unsealed entries
now (the background worker does it every pass); ``idp audit verify`` walks the hash chain and
prints the first altered, deleted or reordered entry and the entries left unsealed too long
(exit 1), else "intact" (exit 0); ``idp audit search [--user ID] [--type T] [--since T]
[--until T] [--csv]`` prints entries oldest first, as tab-separated lines or as CSV for Excel
(UTF-8 with BOM, formula cells neutralised). Times are ISO 8601 (an offset, or UTC) or Unix
seconds. Entries these commands write name "cli" as actor and origin.
"""

from __future__ import annotations

import datetime as dt
import json
import sys

import click
from flask.cli import with_appcontext


@click.group(
    "audit",
    help="Reports on stored data (read only) and the audit trail (seal, verify, search).",
)
def audit_cli():
    pass


@audit_cli.command("identifiers")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print a JSON array of {table, row_id, field, rule, description}.",
)
@with_appcontext
def audit_identifiers(as_json):
    """Stored names, document numbers, mobiles, e-mails and USCCs that break the input rules."""
    from ..domain.identity import audit as identifier_audit

    found = 0
    if as_json:
        items = [f.as_dict() for f in identifier_audit.findings()]
        found = len(items)
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
    else:
        for f in identifier_audit.findings():
            found += 1
            click.echo(f"{f.table}\t{f.row_id}\t{f.field}\t{f.rule}\t{f.description}")
    if found:
        click.echo(f"发现 {found} 处不符合输入规则的数据（未修改任何数据）。", err=True)
        sys.exit(1)
    click.echo("未发现不符合输入规则的数据。", err=True)


@audit_cli.command("seal")
@with_appcontext
def audit_seal():
    """Seal the committed unsealed entries of the audit trail now."""
    from ..domain import transaction
    from ..domain.trail import chain

    click.echo(f"sealed: {chain.seal(transaction.commit)}")


@audit_cli.command("verify")
@with_appcontext
def audit_verify():
    """Walk the audit trail's hash chain: exit 1 on an altered, deleted or reordered entry or
    on entries left unsealed too long."""
    from ..domain.trail import chain

    problems = chain.verify()
    for problem in problems:
        click.echo(problem.line())
    if problems:
        click.echo(f"审计记录校验未通过：{len(problems)} 处问题。", err=True)
        sys.exit(1)
    click.echo("intact")


def _when(value: str | None) -> int | None:
    """ISO 8601 or Unix seconds, kept within the column's range (32-bit seconds)."""
    if value is None:
        return None
    if value.isdigit():
        return min(int(value), LAST_SECOND)
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"not a time: {value!r} (ISO 8601 or Unix seconds)") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return max(0, min(int(parsed.timestamp()), LAST_SECOND))


LAST_SECOND = 2**31 - 1


class _Echo:
    """A text stream that writes through ``click.echo`` (row by row: no export in memory)."""

    def write(self, text: str) -> int:
        click.echo(text, nl=False)
        return len(text)


@audit_cli.command("search")
@click.option("--user", type=int, help="Entries about this user id.")
@click.option("--type", "event", help="One event type, e.g. login.failed.")
@click.option("--since", help="From this time (inclusive; ISO 8601 or Unix seconds).")
@click.option("--until", help="Before this time (exclusive).")
@click.option("--csv", "as_csv", is_flag=True, help="CSV for Excel (UTF-8 with BOM).")
@with_appcontext
def audit_search(user, event, since, until, as_csv):
    """Audit trail entries matching every filter, oldest first."""
    from ..domain.trail import events, search

    if event is not None and event not in events.EVENTS:
        raise click.BadParameter(f"unknown event type {event!r}", param_hint="--type")
    found = search.search(user=user, event=event, since=_when(since), until=_when(until))
    if as_csv:
        search.write_csv(found, _Echo())
        return
    for entry in found:
        click.echo("\t".join(search.safe_cell(v) for v in search.row(entry)))
