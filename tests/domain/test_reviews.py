"""Foreign legal persons without a USCC: review cases and their PDFs (domain.md D2, S5, P7;
user guide §3 非统一社会信用代码补录: 上传经办人身份证明文件（pdf格式）、主体资格证明文件（pdf格式）)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import func, select

from idp.domain.accounts import users as accounts
from idp.domain.errors import ValidationError
from idp.domain.models import Organisation, ReviewCase, StoredFile, User
from idp.domain.organisations import files, handlers, reviews
from idp.domain.organisations import registration as organisations
from idp.domain.organisations.registration import Representative, Upload
from idp.extensions import db
from idp.services import services
from orgkit import contact, make_handler, pdf_bytes
from support import PASSWORD
from wordkit import raises_saying, said


@pytest.fixture
def settings_overrides(tmp_path):
    return {"files": {"upload_dir": str(tmp_path / "uploads"), "max_size": 64 * 1024}}


def foreign_rep() -> Representative:
    return Representative(
        name="John Smith",
        id_type="foreign_document",
        id_number="X1234567",
        valid_from=dt.date(2020, 1, 1),
        valid_to=dt.date(2030, 1, 1),
        nationality="英国",
    )


def register_foreign(proof: bytes | None = None, qual: bytes | None = None, **kw):
    data = dict(
        category="enterprise",
        country="英国",
        name="示例（英国）有限公司",
        name_en="Example UK Ltd",
        registration_number="UK-0012345",
        representative=foreign_rep(),
        contact=contact(),
        identity_proof=Upload("护照.pdf", proof or pdf_bytes()),
        qualification=Upload("certificate.pdf", qual or pdf_bytes(2)),
    )
    return organisations.register_foreign_legal_person(**{**data, **kw})


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_d2_foreign_entity_without_uscc(app):
    org = register_foreign()
    assert org.foreign and org.uscc_bidx is None and org.uscc_enc is None
    assert (org.country, org.name_en, org.registration_number) == (
        "英国",
        "Example UK Ltd",
        "UK-0012345",
    )
    assert org.rep_id_type == "foreign_document" and "*" in org.rep_id_number_masked
    assert services().cipher.decrypt(org.rep_id_number_enc, "id-number") == "X1234567"


def test_p7_foreign_legal_person_pending_review_case_stored(app, tmp_path):
    proof, qual = pdf_bytes(), pdf_bytes(2)
    org = register_foreign(proof, qual)
    assert org.user.status == "pending_review" and not org.user.active
    case = reviews.case_for(org)
    assert case.status == "pending" and case.user_id == org.user_id
    assert case.created_at == dt.datetime.fromtimestamp(services().clock.now(), dt.UTC)
    assert reviews.pending_cases() == [case]
    assert files.read(case.identity_proof) == proof and files.read(case.qualification) == qual
    assert case.qualification.sha256 == hashlib.sha256(qual).hexdigest()
    assert case.identity_proof.original_name == "护照.pdf"
    stored = sorted(p.name for p in (tmp_path / "uploads").iterdir())
    assert stored == sorted([case.identity_proof.storage_name, case.qualification.storage_name])
    assert all(n.endswith(".bin") and "护照" not in n for n in stored)  # generated names only


def test_p7_pending_account_cannot_log_in_until_approved(app):
    org = register_foreign()
    assert not org.user.active  # every login path requires status active
    assert accounts.authenticate("13900139000", PASSWORD) is None  # contact mobile: no login


def test_s5_pending_organisation_binds_its_handler(app):
    org = register_foreign()
    binding = handlers.bind_handler(org, make_handler(1))
    assert binding.organisation_id == org.id


@pytest.mark.parametrize(
    "which, data, message",
    [
        ("identity_proof", b"", "PDF"),
        ("identity_proof", b"GIF89a" + b"\0" * 100, "只能上传 PDF"),
        ("qualification", b"%PDF-1.7\n" + b"garbage that is not a PDF body " * 20, "已损坏"),
        ("qualification", b"%PDF-1.4\n" + b"x" * (64 * 1024), "文件过大"),
    ],
)
def test_s5_only_real_pdfs_accepted(app, tmp_path, which, data, message):
    with pytest.raises(ValidationError) as exc:
        register_foreign(**{which: Upload("x.pdf", data)})
    assert message in said(exc.value) and exc.value.field == which
    assert count(User) == count(Organisation) == count(StoredFile) == count(ReviewCase) == 0
    assert not (tmp_path / "uploads").exists() or not any((tmp_path / "uploads").iterdir())


def test_s5_pdf_with_real_header_but_truncated_refused(app):
    good = pdf_bytes()
    with raises_saying(ValidationError, "已损坏"):
        files.check_pdf(good[: len(good) // 2], "identity_proof")


def test_s5_foreign_data_validated(app):
    with pytest.raises(ValidationError) as exc:
        register_foreign(name_en="")
    assert exc.value.field == "name_en"
    assert count(StoredFile) == 0


def test_file_store_refuses_names_it_did_not_generate(app):
    store = services().files
    with pytest.raises(ValueError):
        store.read("../config/default.toml")
    name = store.save(b"data")
    assert store.read(name) == b"data"
    store.delete(name)
