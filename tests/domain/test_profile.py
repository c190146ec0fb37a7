"""Account security settings and deactivation in the domain (P2, S7, D3, P4).

Codes are read from the real outbox adapters; the database and store are real.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from idp.domain.accounts import deactivation, passwords, profile
from idp.domain.accounts import users as accounts
from idp.domain.accounts.registration import (
    P4_MESSAGE,
    PersonApplication,
    Refused,
    register_natural_person,
)
from idp.domain.errors import Conflict, ValidationError
from idp.domain.models import DeactivatedIdentity, User
from idp.domain.models.user import DEACTIVATED
from idp.extensions import db
from idp.services import services
from support import PASSWORD, PHONE, make_user, person_application

NEW_PASSWORD = "Quiet-meadow-73"
FLOW = "profile-flow-1"
ID_NUMBER = "110105198001010032"


def application(**changes) -> PersonApplication:
    return person_application(
        **{"password": PASSWORD, "password_confirm": PASSWORD, "id_number": ID_NUMBER, **changes}
    )


def send_codes(a: PersonApplication, flow: str) -> PersonApplication:
    codes = services().codes
    codes.send("sms", a.phone, "register", flow, "198.51.100.1")
    codes.send("mail", a.email, "register", flow, "198.51.100.1")
    return dataclasses.replace(a, sms_code=sms_code(a.phone), email_code=mail_code(a.email))


def sms_code(phone):
    return next(m["params"]["code"] for m in services().sms.outbox.latest() if m["to"] == phone)


def mail_code(email):
    body = next(m["body"] for m in services().mail.outbox.latest() if m["to"] == email)
    return re.search(r"验证码为 (\d{6})", body).group(1)


def test_p2_change_password_checks_current_and_policy(app):
    user = make_user()
    with pytest.raises(ValidationError) as wrong:
        profile.change_password(user, "Wrong-password-1", NEW_PASSWORD, NEW_PASSWORD)
    assert wrong.value.field == "current_password"
    with pytest.raises(ValidationError) as mismatch:
        profile.change_password(user, PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x")
    assert mismatch.value.field == "password_confirm"
    with pytest.raises(ValidationError) as weak:
        profile.change_password(user, PASSWORD, "Ab1" + PHONE, "Ab1" + PHONE)
    assert weak.value.field == "password"
    profile.change_password(user, PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
    assert user.password_hash.startswith("$argon2id$")
    assert accounts.authenticate(PHONE, NEW_PASSWORD) is not None
    assert accounts.authenticate(PHONE, PASSWORD) is None


def test_s7_change_mobile_code_goes_to_new_number_only(app, clock):
    user = make_user()
    profile.send_mobile_code(user, "13911112222", FLOW, "198.51.100.1")
    assert [m["to"] for m in services().sms.outbox.latest()] == ["13911112222"]
    with pytest.raises(ValidationError) as wrong:
        profile.change_mobile(
            user, "13911112222", "000000" if sms_code("13911112222") != "000000" else "111111", FLOW
        )
    assert wrong.value.field == "code" and user.phone == PHONE
    clock.advance(61)  # the resend gap
    profile.send_mobile_code(user, "13911112222", FLOW, "198.51.100.1")
    # a code of another flow does not count
    with pytest.raises(ValidationError):
        profile.change_mobile(user, "13911112222", sms_code("13911112222"), "other-flow")
    clock.advance(61)
    profile.send_mobile_code(user, "13911112222", FLOW, "198.51.100.1")
    profile.change_mobile(user, "13911112222", sms_code("13911112222"), FLOW)
    assert accounts.find_by_login("13911112222") == user
    assert accounts.find_by_login(PHONE) is None


def test_d3_change_mobile_to_taken_number_refused_only_after_its_code(app):
    """The send answers alike for a free and a taken number (no enumeration); the refusal
    comes after the code, to whoever holds that number."""
    user = make_user()
    make_user(phone="13911112222", name="李四")
    profile.send_mobile_code(user, "13911112222", FLOW, "198.51.100.1")
    with pytest.raises(Conflict) as taken:
        profile.change_mobile(user, "13911112222", sms_code("13911112222"), FLOW)
    assert taken.value.code == profile.MOBILE_TAKEN and taken.value.field == "phone"
    assert accounts.find_by_login(PHONE) == user


def test_s7_change_email_requires_mail_code(app):
    user = make_user(email="old@example.cn")
    profile.send_email_code(user, "new@example.cn", FLOW, "198.51.100.1")
    with pytest.raises(ValidationError):
        profile.change_email(user, "new@example.cn", "12345", FLOW)
    profile.change_email(user, "new@example.cn", mail_code("new@example.cn"), FLOW)
    assert user.email == "new@example.cn" and user.email_verified


def test_p4_deactivation_anonymises_and_tombstones(app):
    user = make_user(email="a@example.cn", id_type="resident_id", id_number=ID_NUMBER)
    sub, bidx = user.sub, user.id_number_bidx
    profile.deactivate(user)
    db.session.expire_all()
    row = db.session.get(User, user.id)
    assert row.status == DEACTIVATED and row.deactivated_at is not None and row.sub == sub
    assert row.name == profile.ANONYMOUS_NAME
    assert (
        row.phone,
        row.email,
        row.address,
        row.id_number_enc,
        row.id_number_bidx,
        row.id_number_masked,
    ) == (None, None, None, None, None, None)
    assert not passwords.verify(PASSWORD, row.password_hash)
    assert deactivation.is_deactivated(deactivation.ID_NUMBER, bidx)
    assert db.session.query(DeactivatedIdentity).count() == 1
    assert accounts.authenticate(PHONE, PASSWORD) is None


def test_p4_deactivated_identity_cannot_register_again(app, clock):
    first = register_natural_person(send_codes(application(), "f1"), flow_id="f1", verified={})
    profile.deactivate(first)
    clock.advance(61)
    services().sms.outbox.clear()
    services().mail.outbox.clear()
    with pytest.raises(Refused) as refused:
        register_natural_person(send_codes(application(), "f2"), flow_id="f2", verified={})
    assert refused.value.errors == {"form": P4_MESSAGE}
    # the mobile is free again (D3: unique among active accounts), the identity is not
    assert accounts.id_number_index(ID_NUMBER) not in {
        u.id_number_bidx for u in db.session.query(User)
    }
