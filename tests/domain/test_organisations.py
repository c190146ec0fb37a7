"""Registering legal persons, agencies and foreign legal persons (domain.md P1, P4, P5, P6, D2,
D3, S3, S4–S6, Y1; user guide §3 法人用户信息补录 and §4 代理机构用户信息补录)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from idp.domain.accounts import deactivation
from idp.domain.errors import Conflict, DomainError, ValidationError
from idp.domain.models import HandlerBinding, Organisation, User
from idp.domain.organisations import handlers
from idp.domain.organisations import registration as organisations
from idp.domain.organisations.registration import Representative
from idp.extensions import db
from idp.services import services
from orgkit import file_agency, file_practitioner, legal_kwargs, make_handler, rep, uscc
from wordkit import raises_saying, said


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_p1_legal_person_registers_with_encrypted_uscc(app):
    org = organisations.register_legal_person(**legal_kwargs())
    assert org.user.user_type == "legal" and org.user.status == "active"
    assert org.kind == "legal" and org.uscc_masked == uscc()[:4] + "*" * 10 + uscc()[-4:]
    assert uscc() not in org.uscc_enc
    assert services().cipher.decrypt(org.uscc_enc, "uscc") == uscc()
    assert org.contact_phone == "13900139000" and org.contact_phone_verified
    assert org.user.phone is None  # the contact mobile is not a natural person's login id
    assert org.user.password_hash.startswith("$argon2")
    assert org.rep_id_number_masked.startswith("1101") and "*" in org.rep_id_number_masked
    assert organisations.find_by_uscc(uscc().lower()) == org


def test_d3_uscc_unique_among_active_accounts(app):
    organisations.register_legal_person(**legal_kwargs())
    with pytest.raises(Conflict):
        organisations.register_legal_person(**legal_kwargs(name="另一家公司"))
    assert count(Organisation) == 1 and count(User) == 1


def test_s3_existing_uscc_message(app):
    organisations.register_legal_person(**legal_kwargs())
    with pytest.raises(Conflict) as exc:
        organisations.register_legal_person(**legal_kwargs())
    assert said(exc.value).startswith("用户已经存在")
    assert "旧账号管理" in said(exc.value) and exc.value.field == "uscc"


def test_p4_deactivated_uscc_cannot_register_again(app):
    org = organisations.register_legal_person(**legal_kwargs())
    deactivation.deactivate_organisation(org)
    assert org.user.status == "deactivated" and not org.active
    with pytest.raises(DomainError) as exc:
        organisations.register_legal_person(**legal_kwargs())
    assert "已注销" in said(exc.value) and "不能再次注册" in said(exc.value)
    file_agency(uscc())
    with raises_saying(DomainError, "已注销"):
        organisations.register_agency(**legal_kwargs())
    assert count(Organisation) == 1


def test_p5_individual_business_registers_as_legal_person(app):
    org = organisations.register_legal_person(
        **legal_kwargs(category="individual_business", name="张记小吃店")
    )
    assert org.kind == "legal" and org.user.user_type == "legal"
    assert org.category == "individual_business"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"uscc": "91110000000100015X"}, "uscc"),
        ({"category": "company"}, "category"),
        ({"name": " "}, "name"),
        (
            {
                "representative": Representative(
                    "王五",
                    "resident_id",
                    "110105198001011234",
                    dt.date(2020, 1, 1),
                    dt.date(2035, 1, 1),
                )
            },
            "id_number",
        ),
        (
            {
                "representative": Representative(
                    "王五", "resident_id", rep().id_number, dt.date(2010, 1, 1), dt.date(2020, 1, 1)
                )
            },
            "valid_to",
        ),
    ],
)
def test_s4_legal_person_data_validated(app, change, field):
    with pytest.raises(ValidationError) as exc:
        organisations.register_legal_person(**legal_kwargs(**change))
    assert exc.value.field == field
    assert count(User) == 0


def test_y1_agency_uscc_must_be_on_filing_register(app):
    with pytest.raises(DomainError) as exc:
        organisations.register_agency(**legal_kwargs())
    assert "不在商标代理机构备案名单中" in said(exc.value) and "备案变更" in said(exc.value)
    assert count(User) == 0
    file_agency(uscc())
    org = organisations.register_agency(**legal_kwargs())
    assert org.kind == "agency" and org.user.user_type == "agency"


def test_p6_change_to_agency_ends_handler_bindings(app):
    org = organisations.register_legal_person(**legal_kwargs())
    handler = make_handler(1)
    handlers.bind_handler(org, handler)
    assert [b.organisation_id for b in handlers.organisations_for_handler(handler)] == [org.id]
    with raises_saying(DomainError, "不在商标代理机构备案名单中"):
        organisations.change_to_agency(org)
    file_agency(uscc())
    organisations.change_to_agency(org)
    assert org.kind == "agency" and org.user.user_type == "agency"
    assert handlers.organisations_for_handler(handler) == []
    assert handlers.organisations_for_handler(handler, kind="agency") == []
    ended = db.session.scalar(select(HandlerBinding))
    assert not ended.active and ended.ended_at is not None
    file_practitioner(handler_id_number(handler))
    binding = handlers.bind_handler(org, handler)  # rebinding: now an agency binding (Y2)
    assert binding.for_agency
    assert [b.organisation for b in handlers.organisations_for_handler(handler, "agency")] == [org]
    with raises_saying(DomainError, "已是代理机构"):
        organisations.change_to_agency(org)


def handler_id_number(handler) -> str:
    return services().cipher.decrypt(handler.id_number_enc, "id-number")
