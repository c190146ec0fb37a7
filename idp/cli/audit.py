"""``idp audit``: reports about the data already stored; they never change it.

``idp audit identifiers [--json]`` lists every stored name, document number, mobile, e-mail
address and USCC (users, organisations, legacy accounts, appeals) that today's input rules
would refuse (``idp/domain/identity/audit.py``): one line per finding with the table, the row
id, the field and the rule — never the value. Exit 1 when anything was found, 0 otherwise.
"""

from __future__ import annotations

import json
import sys

import click
from flask.cli import with_appcontext


@click.group("audit", help="Reports on stored data (read only).")
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
