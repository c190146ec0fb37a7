"""Organisations are verified, not self-asserted (R2, S3, S4, S6, D3, P7; docs/accounts.md
"Enterprise verification and squatted USCCs").

Every organisation with a USCC is checked against the enterprise credit register before it is
created; a mismatch or an unavailable register writes nothing. An unverified account holding a
USCC (one from before the check) does not block the organisation the register matches: it is
set aside for review in the same commit. A verified holder still blocks (S3).
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from enterprisekit import register_down, register_knows, unverified_legal_person
from idp.domain.accounts import deactivation
from idp.domain.clients import claims
from idp.domain.errors import Conflict, DomainError, ValidationError
from idp.domain.models import Organisation, ReviewCase, User
from idp.domain.models.review import APPROVED, PENDING, SQUATTED_USCC
from idp.domain.organisations import registration as organisations
from idp.domain.organisations import reviews
from idp.domain.organisations.enterprise import MISMATCH
from idp.domain.organisations.registration import Representative, Upload
from idp.domain.ports import EnterpriseUnavailable
from idp.extensions import db
from orgkit import contact, file_agency, legal_kwargs, pdf_bytes, rep, resident_id, uscc
from wordkit import raises_saying, said

REAL = ("示例科技有限公司", "王五", resident_id(500))  # what the register holds for uscc(1)


@pytest.fixture
def settings_overrides(tmp_path):
    return {"files": {"upload_dir": str(tmp_path / "uploads")}}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_r2_registered_organisation_is_verified_by_the_register(app, clock):
    org = organisations.register_legal_person(**legal_kwargs())
    assert org.verified_by == "register" and org.verified_at is not None
    assert claims.domain_claims(org.user, {"profile"})["verified"] is True


def test_enterprise_mismatch_refuses_registration(app):
    register_knows((uscc(1), *REAL))
    for changes in ({"name": "冒名科技有限公司"}, {"representative": rep(1)}):
        with pytest.raises(ValidationError) as err:
            organisations.register_legal_person(**legal_kwargs(**changes))
        assert err.value.code == MISMATCH and err.value.field == "uscc"
    assert count(Organisation) == 0 and count(User) == 0
    assert organisations.register_legal_person(**legal_kwargs()).verified_by == "register"


def test_enterprise_mismatch_refuses_agency_registration(app):
    file_agency(uscc(2))
    register_knows()
    with raises_saying(ValidationError, "未通过企业信息核验"):
        organisations.register_agency(**legal_kwargs(uscc(2)))
    assert count(Organisation) == 0


def test_enterprise_unavailable_refuses_registration_and_writes_nothing(app):
    register_down()
    with pytest.raises(EnterpriseUnavailable) as err:
        organisations.register_legal_person(**legal_kwargs())
    assert said(err.value) == "企业信息核验服务暂时无法使用，请稍后再试。"
    assert count(Organisation) == 0 and count(User) == 0


def test_r2_unverified_organisation_is_not_verified_in_claims(app):
    org = unverified_legal_person(**legal_kwargs())
    assert org.user.active and org.active
    assert claims.domain_claims(org.user, {"profile"})["verified"] is False


def test_squatted_uscc_does_not_block_the_real_organisation(app):
    squatter = unverified_legal_person(
        **legal_kwargs(name="冒名科技有限公司", contact=contact("13900139009"))
    )
    register_knows((uscc(1), *REAL))
    real = organisations.register_legal_person(**legal_kwargs())
    assert real.active and real.verified_by == "register"
    db.session.expire_all()
    squatter = db.session.get(Organisation, squatter.id)
    assert squatter.active is False and squatter.user.status == "pending_review"
    case = db.session.scalar(select(ReviewCase).where(ReviewCase.organisation_id == squatter.id))
    assert (case.kind, case.status, case.identity_proof_id) == (SQUATTED_USCC, PENDING, None)
    assert organisations.find_by_uscc(uscc(1)).id == real.id  # the USCC logs the real one in
    assert claims.domain_claims(squatter.user, {"profile"})["verified"] is False


def test_squatter_is_untouched_when_the_challenger_fails_verification(app):
    squatter = unverified_legal_person(**legal_kwargs())
    register_knows((uscc(1), "真实科技有限公司", "钱七", resident_id(9)))
    with pytest.raises(ValidationError):
        organisations.register_legal_person(**legal_kwargs())
    register_down()
    with pytest.raises(EnterpriseUnavailable):
        organisations.register_legal_person(**legal_kwargs())
    db.session.expire_all()
    assert db.session.get(Organisation, squatter.id).active is True
    assert count(ReviewCase) == 0 and count(Organisation) == 1


def test_s3_verified_organisation_still_blocks_a_second_registration(app):
    organisations.register_legal_person(**legal_kwargs())
    with pytest.raises(Conflict) as err:
        organisations.register_legal_person(**legal_kwargs(contact=contact("13900139009")))
    assert err.value.code == organisations.S3_MESSAGE
    assert count(Organisation) == 1 and count(ReviewCase) == 0


def test_p4_deactivated_uscc_refused_after_verification(app):
    deactivation.deactivate_organisation(organisations.register_legal_person(**legal_kwargs()))
    with pytest.raises(DomainError) as err:
        organisations.register_legal_person(**legal_kwargs())
    assert err.value.code == organisations.P4_MESSAGE


def test_p7_approving_a_set_aside_account_is_refused_while_the_real_one_holds_the_uscc(app):
    squatter = unverified_legal_person(**legal_kwargs(contact=contact("13900139009")))
    organisations.register_legal_person(**legal_kwargs())
    case = db.session.scalar(select(ReviewCase).where(ReviewCase.organisation_id == squatter.id))
    with pytest.raises(Conflict):
        reviews.approve(case)
    db.session.expire_all()
    assert db.session.get(Organisation, squatter.id).active is False
    reviews.reject(db.session.get(ReviewCase, case.id), "冒用统一社会信用代码")
    assert db.session.get(User, squatter.user_id).status == "rejected"


def test_p7_approved_review_makes_a_foreign_organisation_verified(app):
    org = organisations.register_foreign_legal_person(
        category="enterprise",
        country="英国",
        name="示例（英国）有限公司",
        name_en="Example UK Ltd",
        registration_number="UK-0012345",
        contact=contact(),
        representative=Representative(
            name="John Smith",
            id_type="foreign_document",
            id_number="X1234567",
            valid_from=dt.date(2020, 1, 1),
            valid_to=dt.date(2030, 1, 1),
            nationality="英国",
        ),
        identity_proof=Upload("p.pdf", pdf_bytes()),
        qualification=Upload("q.pdf", pdf_bytes()),
    )
    assert claims.domain_claims(org.user, {"profile"})["verified"] is False
    reviews.approve(reviews.case_for(org))
    db.session.expire_all()
    org = db.session.get(Organisation, org.id)
    assert (org.verified_by, org.user.status, reviews.case_for(org).status) == (
        "review",
        "active",
        APPROVED,
    )
    assert claims.domain_claims(org.user, {"profile"})["verified"] is True
