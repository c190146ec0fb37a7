"""``idp registers import FILE --kind agencies|practitioners [--dry-run]`` (domain.md Y1, Y2):
a summary on success; on any rejected row the report, nothing imported and exit status 1."""
from __future__ import annotations

from sqlalchemy import func, select

from idp.domain.models import AgencyFiling, Practitioner
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


def test_y2_registers_import_rejected_rows_exit_1(app, tmp_path):
    path = tmp_path / "practitioners.csv"
    path.write_text(f"name,id_type,id_number\n张三,resident_id,{resident_id(1)}\n"
                    "李四,resident_id,110105198001011234\n", encoding="utf-8")
    result = run(app, str(path), "--kind", "practitioners")
    assert result.exit_code == 1
    assert "第 3 行" in result.output and "未导入任何记录" in result.output
    assert count(Practitioner) == 0


def test_registers_import_usage_errors(app, tmp_path):
    assert run(app, str(tmp_path / "missing.csv"), "--kind", "agencies").exit_code == 2
    path = tmp_path / "a.csv"
    path.write_text("uscc,name\n", encoding="utf-8")
    assert run(app, str(path), "--kind", "people").exit_code == 2
