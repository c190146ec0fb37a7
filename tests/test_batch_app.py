"""The batch commands (``idp registers import``, ``idp legacy import``) run on the small app,
``create_app(web=False)``: the database, the settings and the field cipher, without the pages,
the OAuth server, Alembic, Babel or the PDF and image libraries (issue 9: a 100,000-row register
import under 100 MB peak RSS; figures in docs/accounts.md, measured by scripts/bench-registers).

The real ``idp`` entry point runs in a child process against the test database, so what it
imports can be seen; what it writes is then read by the test's full app, which must find the
same rows it would have written itself (same blind indexes, same encryption).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from sqlalchemy import func, select

from idp.domain.models import AgencyFiling, LegacyAccount
from idp.domain.registers import lookup as registers
from idp.extensions import db
from orgkit import uscc

# modules of the web app that a batch command must not load (prefixes)
WEB_ONLY = (
    "idp.web",
    "idp.protocol",
    "idp.flows",
    "idp.admin",
    "idp.adapters.store",
    "idp.adapters.captcha",
    "idp.domain.organisations.files",
    "idp.domain.organisations.pdf_content",
    "authlib",
    "pypdf",
    "PIL",
    "captcha",
    "pygments",
    "alembic",
    "flask_migrate",
    "flask_babel",
    "flask_wtf",
    "redis",
    "requests",
)

PROBE = """
import json, sys
prefixes = tuple(json.loads(sys.stdin.read()))
from idp.cli.main import main
sys.argv = ["idp", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
web = sorted(m for m in sys.modules if m.startswith(prefixes))
print("\\nPROBE", json.dumps({"code": code, "web": web}))
"""


def idp(database_url: str, *args: str) -> tuple[dict, str, str]:
    """Run ``idp ARGS`` in a child process: (exit code and web modules loaded, stdout, stderr)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IDP_", "FLASK_"))}
    env.update(IDP_DATABASE_URL=database_url, IDP_STORE_URL="memory://")
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        input=json.dumps(WEB_ONLY),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out, _, probe = result.stdout.rpartition("PROBE ")
    assert probe, result.stdout + result.stderr
    return json.loads(probe), out, result.stderr


def test_y1_registers_import_runs_without_the_web_app_and_writes_what_the_web_app_reads(
    app, database_url, tmp_path
):
    path = tmp_path / "agencies.csv"
    path.write_text(f"uscc,name\n{uscc(1)},甲代理\n{uscc(2)},乙代理\n", encoding="utf-8")
    probe, out, err = idp(database_url, "registers", "import", str(path), "--kind", "agencies")
    assert probe == {"code": 0, "web": []}, err
    assert "新增 2" in out
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AgencyFiling)) == 2
    filing = registers.filing_for(registers.uscc_index(uscc(2)))
    assert filing is not None and filing.name == "乙代理"


def test_l1_legacy_import_runs_without_the_web_app_and_a_rerun_by_the_web_app_changes_nothing(
    app, database_url, tmp_path
):
    md5 = "e10adc3949ba59abbe56e057f20f883e"
    path = tmp_path / "export.csv"
    path.write_text(
        "legacy_id,type,name,registered_at,password_hash,mobile\n"
        f"alice,natural,张三,2019-05-01 10:00:00,{md5},13800138000\n"
        f"dora,natural,赵六,2019-05-02 10:00:00,{md5},13900139000\n",
        encoding="utf-8",
    )
    probe, out, err = idp(database_url, "legacy", "import", str(path))
    assert probe == {"code": 0, "web": []}, err
    assert "新增 2" in out
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(LegacyAccount)) == 2
    again = app.test_cli_runner().invoke(args=["legacy", "import", str(path)])
    assert again.exit_code == 0 and "新增 0，更新 0，未变 2" in again.stdout, again.output


def test_batch_command_errors_still_exit_1_with_the_reason(app, database_url, tmp_path):
    path = tmp_path / "practitioners.csv"
    path.write_text("姓名,证件号码\n张三,110105198001011234\n", encoding="utf-8")
    probe, _, err = idp(database_url, "registers", "import", str(path), "--kind", "practitioners")
    assert probe == {"code": 1, "web": []}
    assert "id_type（证件类型）" in err and "110105198001011234" not in err


def test_other_commands_still_build_the_web_app(app, database_url):
    probe, out, _ = idp(database_url, "--help")
    assert probe["code"] == 0 and "idp.web" in probe["web"]
    commands = [line.split()[0] for line in out.split("Commands:")[1].splitlines() if line]
    assert sorted(commands) == sorted(set(commands))
    assert {"clients", "keys", "legacy", "registers", "users", "db"} <= set(commands)
