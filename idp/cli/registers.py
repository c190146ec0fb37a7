"""``idp registers``: the office's registers, agency filings (Y1) and practitioners (Y2).

``idp registers import FILE --kind agencies|practitioners [--encoding utf-8-sig|gb18030]
[--dry-run]`` checks the whole CSV file, then writes it all in one transaction, or nothing
(``idp/domain/registers/importer.py``; columns and choices in docs/accounts.md). Problems go to
stderr as they are found, numbered by data row (1 = the first record after the header):
``第 N 条记录：reason`` for a rejected row, ``第 N 条记录（警告）：reason`` for a warning,
``表头（警告）：…`` for ignored columns; the summary to stdout. Exit 0 when written (or, with
``--dry-run``, when it would be); 1 when a row was rejected or the file cannot be read or lacks
a required column: nothing is written then.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..messages import describe
from .common import domain_call, fail


@click.group("registers", help="The office's registers: agency filings, agency practitioners.")
def registers_cli():
    pass


def _print_issue(row: int, what: str, notice) -> None:
    where = f"第 {row} 条记录" if row else "表头"
    click.echo(f"{where}{'（警告）' if what == 'warning' else ''}：{describe(notice)}", err=True)


@registers_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--kind", required=True, type=click.Choice(["agencies", "practitioners"]))
@click.option(
    "--encoding",
    default="utf-8-sig",
    show_default=True,
    type=click.Choice(["utf-8-sig", "gb18030"]),
    help="gb18030 for registers from the office's older systems.",
)
@click.option("--dry-run", is_flag=True, help="Check and count; write nothing.")
@with_appcontext
def registers_import(file, kind, encoding, dry_run):
    """Import a CSV register: all rows or none; re-importing updates the rows it matches."""
    from ..domain.registers import importer

    report = domain_call(
        lambda: importer.import_file(
            file, kind, dry_run=dry_run, encoding=encoding, on_issue=_print_issue
        )
    )
    counts = (
        f"{report.rows} 条记录：新增 {report.created}，更新 {report.updated}，"
        f"拒绝 {report.rejected_count}，警告 {report.warning_count}"
    )
    if not report.ok:
        fail(f"{kind}: {counts}；有记录被拒绝，未导入任何记录。")
    verb = "试运行，未写入" if dry_run else "已导入"
    click.echo(f"{kind}: {counts}（{verb}）。")
