"""Registering a natural person in the domain (P1 with the data of S2; S3, S7, P4, D1, D4, D5).

Real codes are read from the outbox adapters, real-name verification is the local verifier
(or the HTTP one pointed at a closed port for "unavailable"), and the race runs real threads
against the real database.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import threading

import pytest
from sqlalchemy import func, select

from idp.domain import transaction
from idp.domain.accounts import passwords
from idp.domain.accounts import users as accounts
from idp.domain.accounts.registration import (
    P4_MESSAGE,
    S3_MESSAGE,
    PersonApplication,
    Refused,
    register_natural_person,
    verified_key,
)
from idp.domain.errors import Conflict
from idp.domain.identity import documents
from idp.domain.models import DeactivatedIdentity, User
from idp.domain.models._types import from_timestamp
from idp.domain.models.user import DEACTIVATED
from idp.domain.ports import RealNameUnavailable
from idp.extensions import db
from idp.services import services
from support import person_application
from wordkit import said

ID_NUMBER = "110105198001010032"
PASSWORD = "Lantern-river-42"
FLOW = "flow-test-1"


def application(**changes) -> PersonApplication:
    return person_application(
        **{"password": PASSWORD, "password_confirm": PASSWORD, "id_number": ID_NUMBER, **changes}
    )


def send_codes(a: PersonApplication, flow: str = FLOW) -> PersonApplication:
    """Send both codes and return the application with the codes the outboxes received."""
    svc = services()
    svc.codes.send("sms", a.phone, "register", flow, "198.51.100.1")
    svc.codes.send("mail", a.email, "register", flow, "198.51.100.1")
    sms = svc.sms.outbox.latest()[0]["params"]["code"]
    mail = re.search(r"验证码为 (\d{6})", svc.mail.outbox.latest()[0]["body"]).group(1)
    return dataclasses.replace(a, sms_code=sms, email_code=mail)


def pre_verified(a: PersonApplication) -> dict:
    """What the web layer keeps after both codes verified in this flow."""
    return {
        "sms": verified_key("sms", documents.validate_mobile(a.phone)),
        "mail": verified_key("mail", a.email.lower()),
    }


def count_users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_s7_agreement_version_and_time_recorded(app, clock):
    user = register_natural_person(send_codes(application()), flow_id=FLOW, verified={})
    assert user.agreement_version == services().settings.agreement.version == "2025-08-01"
    assert user.agreement_accepted_at == from_timestamp(clock.now())
    assert user.realname_verified and user.phone_verified and user.email_verified
    assert (user.id_valid_from, user.id_valid_to, user.id_long_term) == (
        dt.date(2020, 1, 1),
        dt.date(2040, 1, 1),
        False,
    )
    assert user.address["formatted"] == "北京市朝阳区朝阳路 1 号"
    assert user.address["codes"] == {"province": "110000", "city": "110100", "county": "110105"}
    # D5: the number is stored encrypted, found by its blind index, shown masked
    assert ID_NUMBER not in (user.id_number_enc or "")
    assert user.id_number_masked == "1101**********0032"
    assert accounts.authenticate(ID_NUMBER, PASSWORD).id == user.id
    assert accounts.authenticate("13900139000", PASSWORD).id == user.id
    assert passwords.verify(PASSWORD, user.password_hash)


def test_d4_long_term_only_for_the_resident_id(app):
    user = register_natural_person(
        send_codes(application(valid_to="", long_term=True)), flow_id=FLOW, verified={}
    )
    assert user.id_long_term and user.id_valid_to is None
    with pytest.raises(Refused) as refused:
        register_natural_person(
            application(
                id_type="passport",
                id_number="E12345678",
                valid_to="",
                long_term=True,
                phone="13900139001",
            ),
            flow_id=FLOW,
            verified={},
        )
    assert "只有居民身份证可以为长期有效" in said(refused.value.errors["long_term"])


def test_s2_every_field_error_reported_at_once(app):
    bad = application(
        name=" ",
        id_number="110105198001010033",
        valid_from="2020/01/01",
        province="110000",
        city="310100",
        street="",
        postal_code="1000",
        email="not-an-email",
        phone="12345",
        password="short",
        password_confirm="other",
        agreed=False,
    )
    with pytest.raises(Refused) as refused:
        register_natural_person(bad, flow_id=FLOW, verified={})
    errors = refused.value.errors
    assert set(errors) >= {
        "name",
        "id_number",
        "valid_from",
        "city",
        "street",
        "postal_code",
        "email",
        "phone",
        "password",
        "password_confirm",
        "agreed",
    }
    assert "校验位" in said(errors["id_number"]) and "年-月-日" in said(errors["valid_from"])
    assert count_users() == 0


def test_s7_codes_verified_once_are_remembered_for_the_flow(app):
    a, verified = send_codes(application(name="王五")), {}
    # real-name verification fails after both codes verified: they need not be sent again
    services().realname.known = {("李四", "resident_id", ID_NUMBER)}
    with pytest.raises(Refused) as refused:
        register_natural_person(a, flow_id=FLOW, verified=verified)
    assert "实名认证" in said(refused.value.errors["form"])
    assert set(verified) == {"sms", "mail"}
    user = register_natural_person(
        dataclasses.replace(a, name="李四", sms_code="", email_code=""),
        flow_id=FLOW,
        verified=verified,
    )
    assert user.name == "李四"


@pytest.mark.parametrize(
    "settings_overrides",
    [
        {
            "realname": {
                "backend": "http",
                "url": "http://127.0.0.1:9/verify",
                "api_key": "k",
                "timeout": 0.5,
            }
        }
    ],
)
def test_s7_realname_unavailable_creates_nothing(app):
    a = application()
    with pytest.raises(RealNameUnavailable) as unavailable:
        register_natural_person(a, flow_id=FLOW, verified=pre_verified(a))
    assert said(unavailable.value).startswith("实名认证服务暂时无法使用")
    assert count_users() == 0


def test_p4_deactivated_user_row_blocks_the_identity(app, clock):
    first = register_natural_person(send_codes(application()), flow_id=FLOW, verified={})
    first.status, first.deactivated_at = DEACTIVATED, from_timestamp(clock.now())
    db.session.commit()
    again = application(phone="13900139002")
    with pytest.raises(Refused) as refused:
        register_natural_person(again, flow_id=FLOW, verified=pre_verified(again))
    assert refused.value.errors == {"form": P4_MESSAGE}
    assert count_users() == 1


def test_p4_tombstone_blocks_the_identity(app, clock):
    db.session.add(
        DeactivatedIdentity(
            kind="person",
            bidx=accounts.id_number_index(ID_NUMBER),
            deactivated_at=from_timestamp(clock.now()),
        )
    )
    db.session.commit()
    a = application()
    with pytest.raises(Refused) as refused:
        register_natural_person(a, flow_id=FLOW, verified=pre_verified(a))
    assert refused.value.errors == {"form": P4_MESSAGE}
    assert count_users() == 0


def test_s3_concurrent_registrations_of_one_id_number(app):
    """Two registrations of one ID number at once: one account, one S3 refusal (D3)."""
    barrier, results = threading.Barrier(2), [None, None]
    entries = [application(phone=phone) for phone in ("13900139003", "13900139004")]
    keys = [pre_verified(a) for a in entries]

    def worker(i):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                results[i] = register_natural_person(entries[i], flow_id=FLOW, verified=keys[i]).id
                transaction.commit()  # the request's edge
            except BaseException as exc:  # examined below
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    conflicts = [r for r in results if isinstance(r, Conflict)]
    created = [r for r in results if isinstance(r, int)]
    assert len(conflicts) == 1 and len(created) == 1, results
    assert conflicts[0].code == S3_MESSAGE
    assert count_users() == 1
