"""Manual appeals of legacy accounts (L10, P7): every field checked, the PDFs kept, one
transaction under a unique case number, and a lookup that needs number and mobile together."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

import orgkit
from idp.domain.legacy import appeals
from idp.domain.models import LegacyAppeal, StoredFile
from idp.domain.organisations import files
from idp.domain.organisations.registration import Upload
from idp.extensions import db
from legacykit import make_legacy_account
from wordkit import said

PHONE = "13600136000"
CONTENT = "旧系统登录时提示证件号码不一致，无法关联历史账号。"


@pytest.fixture
def settings_overrides(tmp_path):
    return {"files": {"upload_dir": str(tmp_path / "uploads"), "max_size": 2000}}


@pytest.fixture
def upload_dir(tmp_path):
    return tmp_path / "uploads"


def stored_count(upload_dir) -> tuple[int, int, int]:
    on_disk = len(list(upload_dir.glob("*.bin"))) if upload_dir.exists() else 0
    return (
        db.session.scalar(select(func.count()).select_from(LegacyAppeal)),
        db.session.scalar(select(func.count()).select_from(StoredFile)),
        on_disk,
    )


def open_appeal(**changes) -> LegacyAppeal:
    kwargs = dict(
        account="L0001",
        name="张三",
        phone=PHONE,
        email="zhang@example.cn",
        content=CONTENT,
        identity_proof=Upload("id.pdf", orgkit.pdf_bytes()),
        other_proof=Upload("other.pdf", orgkit.pdf_bytes(2)),
        phone_verified=True,
    )
    kwargs.update(changes)
    return appeals.open_appeal(**kwargs)


def test_l10_appeal_is_stored_with_its_pdfs(app, upload_dir):
    legacy = make_legacy_account("L0001")
    appeal = open_appeal(account="  l0001 ")
    db.session.expire_all()
    row = db.session.get(LegacyAppeal, appeal.id)
    assert re.fullmatch(r"SS20270115\d{6}", row.case_number)  # clock: 2027-01-15 Beijing
    assert row.legacy_account_id == legacy.id and row.account == "l0001"
    assert (row.name, row.phone, row.email, row.status) == (
        "张三",
        PHONE,
        "zhang@example.cn",
        "pending",
    )
    proof = db.session.get(StoredFile, row.identity_proof_id)
    other = db.session.get(StoredFile, row.other_proof_id)
    assert files.read(proof) == orgkit.pdf_bytes() and proof.original_name == "id.pdf"
    assert files.read(other) == orgkit.pdf_bytes(2)
    assert row.status == "pending"
    assert stored_count(upload_dir) == (1, 2, 2)


def test_l10_unknown_account_is_accepted_without_a_link(app):
    appeal = open_appeal(account="nobody-knows-me", other_proof=None, email="")
    assert appeal.legacy_account_id is None and appeal.other_proof_id is None
    assert appeal.email is None


def test_l10_every_field_is_checked_at_once(app, upload_dir):
    with pytest.raises(appeals.AppealInvalid) as refused:
        open_appeal(
            account="",
            name=" ",
            phone="12345",
            email="not-an-email",
            content="太短",
            identity_proof=None,
        )
    assert set(refused.value.errors) == {
        "account",
        "name",
        "phone",
        "email",
        "content",
        "identity_proof",
    }
    assert "10–2000" in said(refused.value.errors["content"])
    with pytest.raises(appeals.AppealInvalid) as refused:
        open_appeal(account="x" * 65, content="字" * 2001)
    assert set(refused.value.errors) == {"account", "content"}
    assert stored_count(upload_dir) == (0, 0, 0)


def test_l10_mobile_code_required(app, upload_dir):
    with pytest.raises(appeals.AppealInvalid) as refused:
        open_appeal(phone_verified=False)
    assert set(refused.value.errors) == {"sms_code"}
    assert stored_count(upload_dir) == (0, 0, 0)


def test_l10_non_pdf_and_oversized_uploads_are_refused_and_nothing_is_stored(app, upload_dir):
    with pytest.raises(appeals.AppealInvalid) as refused:
        open_appeal(identity_proof=Upload("id.pdf", b"GIF89a not a pdf"))
    assert {k: said(v) for k, v in refused.value.errors.items()} == {
        "identity_proof": "只能上传 PDF 格式的文件。"
    }
    with pytest.raises(appeals.AppealInvalid) as refused:
        open_appeal(other_proof=Upload("big.pdf", orgkit.pdf_bytes(20)))  # > files.max_size
    assert said(refused.value.errors["other_proof"]).startswith("文件过大")
    with pytest.raises(appeals.AppealInvalid) as refused:
        open_appeal(identity_proof=Upload("bad.pdf", b"%PDF-1.7\n garbage"))
    assert "identity_proof" in refused.value.errors
    assert stored_count(upload_dir) == (0, 0, 0)


def test_l10_case_number_clash_is_retried_and_leaves_no_orphan_files(app, upload_dir, monkeypatch):
    first = open_appeal(other_proof=None)
    numbers = iter([first.case_number, "SS20270115999999"])
    monkeypatch.setattr(appeals, "new_case_number", lambda: next(numbers))
    second = open_appeal(other_proof=None)
    assert second.case_number == "SS20270115999999"
    assert stored_count(upload_dir) == (2, 2, 2)


def test_l10_status_lookup_needs_case_number_and_mobile(app):
    appeal = open_appeal()
    assert appeals.lookup(appeal.case_number, PHONE).id == appeal.id
    assert appeals.lookup(appeal.case_number.lower(), "+86 136-0013-6000").id == appeal.id
    assert appeals.lookup(appeal.case_number, "13600136001") is None
    assert appeals.lookup("SS20200101000000", PHONE) is None
    assert appeals.lookup("", "") is None


def test_p7_status_words_live_in_the_web_layer_in_both_languages(app):
    from flask_babel import force_locale

    from idp.web import messages

    appeal = open_appeal()
    with app.test_request_context():
        assert messages.appeal_status("rejected", "证明材料不清晰") == "已驳回：证明材料不清晰"
        assert messages.appeal_status("approved", None) == "已通过"
        assert messages.appeal_status(appeal.status, appeal.reason) == "待处理"
        with force_locale("en"):
            assert messages.appeal_status("approved", None) == "Approved"
            assert messages.appeal_status("rejected", "x") == "Rejected: x"
