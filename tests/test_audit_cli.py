"""``idp audit identifiers``: stored rows that break the input rules are reported by table, id,
field and rule — never by value — with exit status 1, and nothing is changed."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from idp.domain.models import LegacyAccount, Organisation, User
from idp.domain.organisations import registration as organisations
from idp.extensions import db
from idp.services import services
from legacykit import make_legacy_account
from orgkit import legal_kwargs, uscc
from support import make_user

ARABIC_ID = "".join(chr(0x0660 + int(c)) if c.isdigit() else c for c in "11010519491231002X")
ARABIC_PHONE = "".join(chr(0x0660 + int(c)) for c in "13900139000")
BAD_USCC = uscc(7)[:-1] + ("0" if uscc(7)[-1] != "0" else "1")


@pytest.fixture
def audit(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["audit", "identifiers", *args])


def _bad_rows() -> dict:
    """Rows written behind the validators' back, as an older release or a hand edit would."""
    cipher = services().cipher
    good = make_user()
    hidden = make_user(phone="13700137000", name="李四")
    hidden.name = "李\u200b四"
    hidden.email = "a@example.cn,b@example.cn"
    hidden.id_type, hidden.id_number_enc = "resident_id", cipher.encrypt(ARABIC_ID, "id-number")
    db.session.add(
        User(
            name="王五",
            phone=ARABIC_PHONE,
            password_hash="x",
            status="active",
            created_at=good.created_at,
            updated_at=good.updated_at,
        )
    )
    org = organisations.register_legal_person(**legal_kwargs())
    org.name = "\u202e司公技科"
    org.uscc_enc = cipher.encrypt(BAD_USCC, "uscc")
    legacy = make_legacy_account(name="123", email="Old@Example.CN")
    legacy.id_type, legacy.id_number_enc = "resident_id", "k0:not-a-ciphertext"
    db.session.commit()
    users = {u.name: u.id for u in db.session.scalars(select(User))}
    return {
        "good": good.id,
        "hidden": hidden.id,
        "arabic": users["王五"],
        "org": org.id,
        "legacy": legacy.id,
    }


def test_audit_reports_each_broken_field_by_rule_without_its_value(audit):
    ids = _bad_rows()
    before = [
        (u.id, u.name, u.phone, u.email, u.id_number_enc)
        for u in db.session.scalars(select(User).order_by(User.id))
    ]
    result = audit()
    assert result.exit_code == 1
    lines = {tuple(line.split("\t")[:4]) for line in result.stdout.splitlines()}
    assert lines == {
        ("users", str(ids["hidden"]), "name", "invisible-character"),
        ("users", str(ids["hidden"]), "email", "invalid"),
        ("users", str(ids["hidden"]), "id_number", "non-ascii"),
        ("users", str(ids["arabic"]), "phone", "non-ascii"),
        ("organisations", str(ids["org"]), "name", "invisible-character"),
        ("organisations", str(ids["org"]), "uscc", "invalid"),
        ("legacy_accounts", str(ids["legacy"]), "name", "no-letter"),
        ("legacy_accounts", str(ids["legacy"]), "email", "not-normalised"),
        ("legacy_accounts", str(ids["legacy"]), "id_number", "undecryptable"),
    }
    for value in (ARABIC_ID, ARABIC_PHONE, "a@example.cn", "李\u200b四", BAD_USCC, "Old@"):
        assert value not in result.output
    assert "发现 9 处" in result.stderr and "未修改" in result.stderr
    db.session.expire_all()
    assert before == [
        (u.id, u.name, u.phone, u.email, u.id_number_enc)
        for u in db.session.scalars(select(User).order_by(User.id))
    ]
    assert db.session.get(LegacyAccount, ids["legacy"]).email == "Old@Example.CN"
    assert db.session.get(Organisation, ids["org"]).name == "\u202e司公技科"


def test_audit_json_lists_the_findings(audit):
    ids = _bad_rows()
    result = audit("--json")
    assert result.exit_code == 1
    findings = json.loads(result.stdout)
    assert {
        "table": "users",
        "row_id": ids["arabic"],
        "field": "phone",
        "rule": "non-ascii",
        "description": "含有 ASCII 以外的字符（如其他文字的数字）",
    } in findings
    assert len(findings) == 9


def test_audit_of_clean_data_exits_zero(audit):
    make_user(email="zhang@example.cn", id_type="resident_id", id_number="11010519491231002X")
    organisations.register_legal_person(**legal_kwargs())
    make_legacy_account(
        id_number="11010519491231002X", mobile="13800138000", email="old@example.cn"
    )
    result = audit()
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
