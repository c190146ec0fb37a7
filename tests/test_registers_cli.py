"""``idp registers import FILE --kind agencies|practitioners [--encoding E] [--dry-run]``
(domain.md Y1, Y2): problems numbered by data row on stderr, a summary; on any rejected row
nothing imported and exit status 1."""

from __future__ import annotations

from sqlalchemy import func, select

from idp.domain.models import AgencyFiling, Practitioner
from idp.domain.registers.importer import BATCH
from idp.extensions import db
from orgkit import resident_id, uscc


def run(app, *args):
    return app.test_cli_runner().invoke(args=["registers", "import", *args])


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_y1_registers_import_agencies_summary(app, tmp_path):
    path = tmp_path / "agencies.csv"
    path.write_text(f"uscc,name\n{uscc(1)},甲代理\n{uscc(2)},乙代理\n", encoding="utf-8")
    result = run(app, str(path), "--kind", "agencies", "--dry-run")
    assert result.exit_code == 0 and "试运行" in result.output and count(AgencyFiling) == 0
    result = run(app, str(path), "--kind", "agencies")
    assert result.exit_code == 0, result.output
    assert "新增 2" in result.output and count(AgencyFiling) == 2
    result = run(app, str(path), "--kind", "agencies")
    assert "更新 2" in result.output and count(AgencyFiling) == 2


def test_y2_registers_import_rejected_rows_numbered_by_data_row_exit_1(app, tmp_path):
    path = tmp_path / "practitioners.csv"
    path.write_text(
        f'name,id_type,id_number\n"张\n三",resident_id,{resident_id(1)}\n'
        "李四,resident_id,110105198001011234\n",
        encoding="utf-8",
    )
    result = run(app, str(path), "--kind", "practitioners")
    assert result.exit_code == 1
    assert "第 2 条记录：居民身份证号码校验位" in result.output
    assert "未导入任何记录" in result.output and "110105198001011234" not in result.output
    assert count(Practitioner) == 0


def test_registers_import_unknown_column_is_a_warning_not_a_refusal(app, tmp_path):
    path = tmp_path / "agencies.csv"
    path.write_text(
        f"统一社会信用代码,机构名称,联系电话\n{uscc(1)},甲代理,010-1\n", encoding="utf-8"
    )
    result = run(app, str(path), "--kind", "agencies")
    assert result.exit_code == 0, result.output
    assert "表头（警告）：未知的列已忽略：联系电话。" in result.output
    assert "新增 1" in result.output and "警告 1" in result.output


def test_registers_import_missing_column_refuses_the_file(app, tmp_path):
    path = tmp_path / "practitioners.csv"
    path.write_text(f"姓名,证件号码\n张三,{resident_id(1)}\n", encoding="utf-8")
    result = run(app, str(path), "--kind", "practitioners")
    assert result.exit_code == 1 and "id_type（证件类型）" in result.output
    assert count(Practitioner) == 0


def test_y1_all_or_nothing_bad_row_after_the_first_batch(app, tmp_path):
    rows = "".join(f"{uscc(n)},代理{n}\n" for n in range(1, BATCH + 2))
    path = tmp_path / "agencies.csv"
    path.write_text(f"uscc,name\n{rows}{uscc(1)},重复\n", encoding="utf-8")
    result = run(app, str(path), "--kind", "agencies")
    assert result.exit_code == 1
    assert f"第 {BATCH + 2} 条记录：统一社会信用代码与第 1 条记录重复。" in result.output
    assert count(AgencyFiling) == 0


def test_y1_gb18030_register_with_encoding_option(app, tmp_path):
    path = tmp_path / "agencies.csv"
    path.write_bytes(
        f"统一社会信用代码,机构名称,网上申请账号\n{uscc(1)},甲代理,a1\n".encode("gb18030")
    )
    result = run(app, str(path), "--kind", "agencies")
    assert result.exit_code == 1 and "--encoding" in result.output
    result = run(app, str(path), "--kind", "agencies", "--encoding", "gb18030")
    assert result.exit_code == 0, result.output
    assert (
        db.session.scalar(select(AgencyFiling.name).where(AgencyFiling.legacy_account_key == "a1"))
        == "甲代理"
    )


def test_registers_import_usage_errors(app, tmp_path):
    assert run(app, str(tmp_path / "missing.csv"), "--kind", "agencies").exit_code == 2
    path = tmp_path / "a.csv"
    path.write_text("uscc,name\n", encoding="utf-8")
    assert run(app, str(path), "--kind", "people").exit_code == 2
    assert run(app, str(path), "--kind", "agencies", "--encoding", "latin-1").exit_code == 2
