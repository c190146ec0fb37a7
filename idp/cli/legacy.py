"""``idp legacy``: the legacy online application system's accounts (domain.md L1–L10).

``idp legacy import FILE [--format csv|jsonl] [--encoding utf-8-sig|gb18030]
[--password-scheme SPEC] [--dry-run] [--filed-uscc-from-register] [--workers N] [--report FILE]``
loads the account export (L1; columns in docs/legacy.md, rules in
``idp/domain/legacy/importer.py``; an invalid SPEC is refused before anything is read or written).
Rejected rows and dropped fields go to stderr as they are found, by data-row number (1 = the
first record after the header), and to ``--report`` as CSV ``row,legacy_id,reason``; the
summary to stdout. Exit 0 when
the file was read, rejected rows included; 1 when it cannot be read or its header lacks a
required column (nothing imported then).
"""

from __future__ import annotations

import csv
import os
import sys

import click
from flask.cli import with_appcontext

from ..messages import describe
from .common import domain_call, fail

LABELS = {"rejected": "拒绝", "warning": "警告"}


def _scheme(ctx, param, value):
    """``--password-scheme``: refused before the file is opened (docs/legacy.md)."""
    from ..domain.errors import ValidationError
    from ..domain.legacy.schemes import parse_spec

    if value and value.strip():
        try:
            parse_spec(value)
        except ValidationError as exc:
            raise click.BadParameter(describe(exc)) from None
    return value


@click.group("legacy", help="Accounts of the legacy online application system (L1-L10).")
def legacy_cli():
    pass


@legacy_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "jsonl"]),
    help="Default: from the extension (.csv, .jsonl or .json).",
)
@click.option(
    "--encoding",
    default="utf-8-sig",
    show_default=True,
    type=click.Choice(["utf-8-sig", "gb18030"]),
)
@click.option(
    "--password-scheme",
    "password_scheme",
    metavar="SPEC",
    callback=_scheme,
    help="Scheme of rows whose password_scheme cell is empty, e.g. 'sha1;salt=suffix'"
    " (default: the legacy.password_scheme setting; docs/legacy.md).",
)
@click.option("--dry-run", is_flag=True, help="Check and count; write nothing.")
@click.option(
    "--filed-uscc-from-register",
    "from_register",
    is_flag=True,
    help="Agency rows without a filed_uscc value take the filed USCC from the agency "
    "filing register (by legacy account id; load it first with idp registers "
    "import).",
)
@click.option(
    "--workers",
    type=click.IntRange(0, 64),
    default=0,
    help="Processes that parse rows (0, the default: one per core, at most 4, for "
    "files of 8 MiB or more; 1 for smaller files).",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False),
    help="Also write rejected rows and dropped fields to this CSV file.",
)
@with_appcontext
def legacy_import(
    file, fmt, encoding, password_scheme, dry_run, from_register, workers, report_path
):
    """Import the legacy account export (idempotent: re-running changes nothing)."""
    from ..domain import transaction
    from ..domain.legacy import importer

    try:
        out = open(report_path, "w", newline="", encoding="utf-8-sig") if report_path else None
    except OSError as exc:
        fail(f"无法写入报告文件：{exc.strerror}。")
    writer = csv.writer(out) if out else None
    if writer:
        writer.writerow(["row", "legacy_id", "reason"])

    def on_issue(number, legacy_id, kind, notice):
        reason = describe(notice)
        who = f"（{legacy_id}）" if legacy_id else ""
        where = f"第 {number} 条记录" if number else "表头"
        click.echo(f"{where}{who}{LABELS[kind]}：{reason}", err=True)
        if writer:
            writer.writerow([number, legacy_id, f"{LABELS[kind]}：{reason}"])

    try:
        size = os.path.getsize(file) if os.path.isfile(file) else 0
        workers = workers or (min(4, os.cpu_count() or 1) if size >= 8 << 20 else 1)
        with click.progressbar(length=max(size, 1), label="导入历史账号", file=sys.stderr) as bar:

            def on_progress(position):
                bar.update(position - bar.pos)

            report = domain_call(
                lambda: importer.import_file(
                    file,
                    fmt=fmt,
                    encoding=encoding,
                    dry_run=dry_run,
                    password_scheme=password_scheme,
                    filed_uscc_from_register=from_register,
                    workers=workers,
                    on_issue=on_issue,
                    on_progress=on_progress,
                    commit=transaction.commit,
                )
            )  # batch by batch
            bar.update(bar.length - bar.pos)
    finally:
        if out:
            out.close()
    verb = "试运行，未写入任何记录" if dry_run else "已导入"
    click.echo(
        f"读取 {report.read} 条记录（{verb}）：新增 {report.inserted}，"
        f"更新 {report.updated}，未变 {report.unchanged}，已关联未改 {report.linked_kept}，"
        f"拒绝 {report.rejected}，警告 {report.warnings}。"
    )
