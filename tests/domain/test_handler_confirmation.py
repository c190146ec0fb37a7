"""P3 经办人已注册 in the domain (handler_confirmation): an SMS only on a match of mobile AND
document, naming the organisation; limits per organisation, per client IP and per target
mobile that count every attempt, match or not; one code refusal for every case."""

from __future__ import annotations

import pytest

from idp.domain.errors import ValidationError
from idp.domain.organisations import handler_confirmation
from idp.domain.organisations import registration as organisations
from idp.domain.verification.codes import CodeRefused
from idp.domain.verification.send_limits import SendLimited
from idp.services import services
from orgkit import handler_fields, legal_kwargs, make_handler, resident_id, uscc
from wordkit import said

IP, OTHER_IP = "198.51.100.7", "203.0.113.9"


@pytest.fixture
def settings_overrides():
    return {
        "handlers": {
            "per_ip_hour": 6,
            "per_organisation_hour": 5,
            "per_organisation_day": 30,
            "per_target_day": 2,
        }
    }


def org(n: int):
    return organisations.register_legal_person(**legal_kwargs(uscc(n), name=f"单位{n}"))


def nobody(n: int) -> dict:
    return {"phone": f"1365555{n:04d}", "id_type": "resident_id", "id_number": resident_id(80 + n)}


def texts() -> list[dict]:
    return services().sms.outbox.latest(200)


def test_p3_sms_only_when_mobile_and_document_match_one_real_name_person(app, clock):
    first = org(1)
    handler, other, unverified = make_handler(1), make_handler(2), make_handler(3, realname=False)
    wrong_document = {**handler_fields(handler), "id_number": handler_fields(other)["id_number"]}
    wrong_type = {**handler_fields(handler), "id_type": "passport"}
    for typed in (wrong_document, nobody(1), handler_fields(unverified)):
        clock.advance(61)
        assert handler_confirmation.start(first, **typed, ip=IP)
    clock.advance(61)
    try:  # the type is part of the document: refused as a format, or simply no match
        handler_confirmation.start(first, **wrong_type, ip=IP)
    except ValidationError:
        pass
    assert texts() == []
    clock.advance(61)
    handler_confirmation.start(org(2), **handler_fields(handler), ip=OTHER_IP)
    [sms] = texts()
    assert sms["to"] == handler.phone and "单位2" in sms["text"]
    assert sms["params"]["organisation"] == "单位2"


def test_p3_code_refusal_reads_alike_without_sms_wrong_code_and_foreign_ticket(app):
    first, second = org(1), org(2)
    handler = make_handler(1)
    silent = handler_confirmation.start(first, **nobody(1), ip=IP)
    real = handler_confirmation.start(first, **handler_fields(handler), ip=IP)
    messages = []
    for organisation, ticket, code in (
        (first, silent, "123456"),
        (first, real, "000000"),
        (second, real, texts()[0]["params"]["code"]),
        (first, "no-such-ticket", "123456"),
        (first, None, "1"),
    ):
        with pytest.raises(CodeRefused) as refused:
            handler_confirmation.complete(organisation, ticket, code)
        messages.append(refused.value.code)
    assert set(messages) == {handler_confirmation.CODE_REFUSED}


def test_p3_limit_per_target_mobile_over_all_organisations(app, clock):
    handler = make_handler(1)
    for t, target in enumerate((handler_fields(handler), nobody(1))):
        for n in (1, 2):
            clock.advance(61)
            handler_confirmation.start(org(10 * t + n), **target, ip=f"192.0.2.{10 * t + n}")
        clock.advance(61)
        with pytest.raises(SendLimited):
            handler_confirmation.start(org(10 * t + 3), **target, ip=OTHER_IP)
    assert len([m for m in texts() if m["to"] == handler.phone]) == 2


def test_p3_same_target_waits_the_resend_interval_match_or_not(app, clock):
    first = org(1)
    handler = make_handler(1)
    for target in (handler_fields(handler), nobody(1)):
        handler_confirmation.start(first, **target, ip=IP)
        with pytest.raises(SendLimited) as wait:
            handler_confirmation.start(first, **target, ip=OTHER_IP)
        assert said(wait.value).startswith("发送过于频繁")
        clock.advance(3600)


def test_p3_limit_per_organisation(app):
    first = org(1)
    for n in range(5):
        handler_confirmation.start(first, **nobody(n), ip=f"192.0.2.{n}")
    with pytest.raises(SendLimited):
        handler_confirmation.start(first, **nobody(5), ip=IP)
    assert handler_confirmation.start(org(2), **nobody(5), ip=IP)


def test_p3_limit_per_client_ip(app):
    for n in range(6):
        handler_confirmation.start(org(n + 1), **nobody(n), ip=IP)
    last = org(7)
    with pytest.raises(SendLimited):
        handler_confirmation.start(last, **nobody(6), ip=IP)
    assert handler_confirmation.start(last, **nobody(6), ip=OTHER_IP)
