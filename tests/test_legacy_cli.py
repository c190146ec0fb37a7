"""``idp legacy import FILE [--format] [--encoding] [--dry-run] [--filed-uscc-from-register]
[--workers] [--report]`` (domain.md L1): the summary on stdout, rejected rows and dropped fields
on stderr by data-row number (and in the report CSV), exit 0 when the file was read and 1 when
it cannot be read or lacks a required column."""

from __future__ import annotations

import csv

from sqlalchemy import func, select

from idp.domain.models import LegacyAccount
from idp.extensions import db

HEADER = "legacy_id,type,name,registered_at,password_hash,mobile\n"
MD5 = "e10adc3949ba59abbe56e057f20f883e"
ROWS = (
    f"alice,natural,张三,2019-05-01 10:00:00,{MD5},13800138000\n"
    f"bob,自然人,李四,2019/05/01 10:00:00,{MD5},12345\n"
    f"carol,robot,王五,2019-05-01,{MD5},\n"
)


def run(app, *args):
    return app.test_cli_runner().invoke(args=["legacy", "import", *args])


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(LegacyAccount))


def test_l1_cli_import_summary_report_and_rerun(app, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(HEADER + ROWS, encoding="utf-8")
    report = tmp_path / "report.csv"
    result = run(app, str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "试运行" in result.stdout and "新增 2" in result.stdout and count() == 0
    result = run(app, str(path), "--report", str(report))
    assert result.exit_code == 0, result.output
    assert (
        "读取 3 条记录（已导入）：新增 2，更新 0，未变 0，已关联未改 0，拒绝 1，警告 1。"
        in result.stdout
    )
    assert "第 2 条记录（bob）警告：字段已舍弃：手机号码" in result.stderr
    assert "第 3 条记录（carol）拒绝：用户类型" in result.stderr
    assert count() == 2
    with open(report, encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.reader(fh))
    assert lines[0] == ["row", "legacy_id", "reason"]
    assert [line[:2] for line in lines[1:]] == [["2", "bob"], ["3", "carol"]]
    result = run(app, str(path))
    assert result.exit_code == 0 and "新增 0，更新 0，未变 2" in result.stdout


def test_l1_cli_format_option_and_encoding(app, tmp_path):
    path = tmp_path / "export.txt"
    path.write_text(
        f'{{"legacy_id": "dave", "type": "simple", "name": "赵六", '
        f'"registered_at": "2020-01-01 00:00:00", "password_hash": "{MD5}"}}\n',
        encoding="utf-8",
    )
    result = run(app, str(path))
    assert result.exit_code == 1 and "--format" in result.stderr
    result = run(app, str(path), "--format", "jsonl")
    assert result.exit_code == 0 and "新增 1" in result.stdout
    gb = tmp_path / "gb.csv"
    gb.write_bytes((HEADER + ROWS).encode("gb18030"))
    assert run(app, str(gb)).exit_code == 1
    result = run(app, str(gb), "--encoding", "gb18030")
    assert result.exit_code == 0 and "新增 2" in result.stdout


def test_l1_cli_missing_column_or_file_exits_1(app, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "legacy_id,type,name,registered_at\nalice,natural,张三,2019-05-01\n", encoding="utf-8"
    )
    result = run(app, str(path))
    assert result.exit_code == 1 and "password_hash" in result.stderr and count() == 0
    result = run(app, str(tmp_path / "missing.csv"))
    assert result.exit_code == 1 and "无法读取文件" in result.stderr
    result = run(app, str(path), "--report", str(tmp_path / "no" / "such" / "dir.csv"))
    assert result.exit_code == 1 and "报告文件" in result.stderr


def test_l1_cli_header_warning_workers_and_filed_uscc_option(app, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        HEADER.replace("mobile", "fax") + ROWS.replace("13800138000", "x"), encoding="utf-8"
    )
    result = run(app, str(path), "--workers", "2", "--filed-uscc-from-register")
    assert result.exit_code == 0, result.output
    assert "表头警告：未知的列已忽略：fax。" in result.stderr
    assert "读取 3 条记录（已导入）：新增 2" in result.stdout and count() == 2
    assert "--filed-uscc-from-register" in run(app, "--help").output
