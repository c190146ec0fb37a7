"""Handler binding (domain.md P3, Y2, P6; user guide §4: 一个自然人仅能被一个代理机构关联成经办人,
代理机构经办人须为备案的商标代理从业人员)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from idp.domain import transaction
from idp.domain.accounts import users as accounts
from idp.domain.errors import Conflict, DomainError, ValidationError
from idp.domain.models import HandlerBinding, User
from idp.domain.organisations import handler_confirmation, handlers
from idp.domain.organisations import registration as organisations
from idp.domain.verification.codes import CodeRefused
from idp.extensions import db
from orgkit import (
    file_agency,
    file_practitioner,
    handler_fields,
    latest_sms_code,
    legal_kwargs,
    make_handler,
    resident_id,
    uscc,
)
from support import PASSWORD
from wordkit import raises_saying, said


def active_bindings() -> int:
    return db.session.scalar(
        select(func.count()).select_from(HandlerBinding).where(HandlerBinding.active.is_(True))
    )


@pytest.fixture
def legal(app):
    return organisations.register_legal_person(**legal_kwargs(uscc(1)))


def agency(n: int):
    file_agency(uscc(n))
    return organisations.register_agency(**legal_kwargs(uscc(n), name=f"代理机构{n}"))


def test_p3_handler_must_be_real_name_natural_person(legal):
    with raises_saying(ValidationError, "实名认证"):
        handlers.bind_handler(legal, make_handler(1, realname=False))
    other = organisations.register_legal_person(**legal_kwargs(uscc(2)))
    with raises_saying(ValidationError, "自然人"):
        handlers.bind_handler(legal, other.user)
    assert active_bindings() == 0


def test_p3_binding_twice_refused_and_unbind(legal):
    handler = make_handler(1)
    handlers.bind_handler(legal, handler)
    with raises_saying(Conflict, "已是本机构的经办人"):
        handlers.bind_handler(legal, handler)
    handlers.unbind_handler(legal, handler)
    assert active_bindings() == 0 and handlers.organisations_for_handler(handler) == []
    with pytest.raises(DomainError) as again:
        handlers.unbind_handler(legal, handler)
    assert again.value.code == handlers.NOT_BOUND
    handlers.bind_handler(legal, handler)  # a new binding after the old one ended
    assert active_bindings() == 1


def test_p3_one_handler_may_act_for_several_legal_persons(legal):
    other = organisations.register_legal_person(**legal_kwargs(uscc(2), name="另一家"))
    handler = make_handler(1)
    handlers.bind_handler(legal, handler)
    handlers.bind_handler(other, handler)
    assert {b.organisation_id for b in handlers.organisations_for_handler(handler)} == {
        legal.id,
        other.id,
    }
    assert handlers.organisations_for_handler(handler, kind="agency") == []


def test_p3_handler_registered_confirms_by_sms_code(legal):
    handler = make_handler(1)
    ticket = handler_confirmation.start(legal, **handler_fields(handler), ip="198.51.100.7")
    code = latest_sms_code(handler.phone)
    with pytest.raises(CodeRefused) as wrong:
        handler_confirmation.complete(legal, ticket, f"{(int(code) + 1) % 10**6:06d}")
    assert wrong.value.code == handler_confirmation.CODE_REFUSED
    assert active_bindings() == 0
    binding = handler_confirmation.complete(legal, ticket, code)
    assert binding.active and binding.handler_id == handler.id and not binding.for_agency


def test_p3_handler_not_registered_is_created_and_bound(legal):
    binding = handlers.register_and_bind_handler(
        legal,
        name="赵六",
        phone="13700001111",
        password=PASSWORD,
        id_type="resident_id",
        id_number=resident_id(7),
    )
    person = db.session.get(User, binding.handler_id)
    assert person.user_type == "natural" and person.realname_verified and person.active
    assert accounts.authenticate("13700001111", PASSWORD) == person
    assert handlers.organisations_for_handler(person)[0].organisation_id == legal.id


def test_y2_agency_handler_must_be_practitioner(app):
    org = agency(1)
    handler = make_handler(1)
    with raises_saying(ValidationError, "从业人员备案名单"):
        handlers.bind_handler(org, handler)
    with raises_saying(ValidationError, "从业人员备案名单"):
        handlers.register_and_bind_handler(
            org,
            name="赵六",
            phone="13700001111",
            password=PASSWORD,
            id_type="resident_id",
            id_number=resident_id(7),
        )
    assert (
        db.session.scalar(select(func.count()).select_from(User).where(User.user_type == "natural"))
        == 1
    )  # nobody created
    file_practitioner(resident_id(1), agency_uscc=uscc(2))  # filed for another agency
    with raises_saying(ValidationError, "从业人员备案名单"):
        handlers.bind_handler(org, handler)
    file_practitioner(resident_id(3))
    assert handlers.bind_handler(org, make_handler(3)).for_agency


def test_y2_one_agency_per_handler(app):
    first, second = agency(1), agency(2)
    handler = make_handler(1)
    file_practitioner(resident_id(1))
    handlers.bind_handler(first, handler)
    with pytest.raises(Conflict) as exc:
        handlers.bind_handler(second, handler)
    assert said(exc.value) == "该自然人已是其他代理机构的经办人。"
    legal = organisations.register_legal_person(**legal_kwargs(uscc(3)))
    handlers.bind_handler(legal, handler)  # a legal person is not an agency: allowed
    handlers.unbind_handler(first, handler)
    handlers.bind_handler(second, handler)
    assert [b.organisation_id for b in handlers.organisations_for_handler(handler, "agency")] == [
        second.id
    ]


def test_y2_one_agency_per_handler_enforced_by_the_database(app):
    """Even past the domain check (a race), the partial unique index refuses a second agency."""
    first, second = agency(1), agency(2)
    handler = make_handler(1)
    file_practitioner(resident_id(1))
    handlers.bind_handler(first, handler)
    transaction.commit()  # as its request would
    db.session.add(
        HandlerBinding(
            organisation_id=second.id,
            handler_id=handler.id,
            for_agency=True,
            active=True,
            created_at=first.created_at,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert active_bindings() == 1
