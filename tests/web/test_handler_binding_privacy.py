"""P3 经办人已注册 tells a stranger nothing: the organisation names the handler by mobile AND
document, the page answers the same whether or not they match an active real-name person, only
a match is texted (with the organisation's name), and the code step refuses alike whether no SMS
was sent or the code is wrong. Both paths: the registration step and 经办人管理. Real database,
store and outbox; the settable clock.
"""

from __future__ import annotations

import re

import pytest

from idp.domain.organisations import handler_confirmation, handlers
from idp.domain.organisations import registration as organisations
from idp.services import services
from orgkit import (
    file_agency,
    file_practitioner,
    handler_fields,
    legal_kwargs,
    make_handler,
    org_center,
    resident_id,
    uscc,
)
from support import form_with, html_of
from wordkit import said

ANSWER = "2468"
UNKNOWN = {"phone": "13655550000", "id_type": "resident_id", "id_number": resident_id(77)}


@pytest.fixture
def settings_overrides():
    return {"captcha": {"deterministic": True, "deterministic_answer": ANSWER}}


def sms_to(phone: str) -> list[dict]:
    return [m for m in services().sms.outbox.latest(200) if m["to"] == phone]


def same_page(html: str, typed: dict) -> str:
    """The page without what differs by construction: CSRF tokens and the values typed."""
    html = re.sub(r'(name="csrf_token"[^>]*value=")[^"]*', r"\1", html)
    for value in typed.values():
        html = html.replace(value, "TYPED")
    return html


def cases():
    """(name, typed) for a match, a real mobile with another person's document, and nobody."""
    handler, other = make_handler(1), make_handler(2)
    mismatch = {**handler_fields(handler), "id_number": handler_fields(other)["id_number"]}
    return handler, [
        ("match", handler_fields(handler)),
        ("mismatch", mismatch),
        ("unknown", UNKNOWN),
    ]


# --- the registration step --------------------------------------------------------------------


def registration_client(app, org):
    """A browser whose registration flow created ``org`` (step 1 done): the step-2 page."""
    http = app.test_client()
    with http.session_transaction() as session:
        session["register_org"] = {"id": "flow-" + str(org.id), "verified": {}, "org": org.id}
    return http


def registration_send(http, typed: dict):
    action, fields = form_with(html_of(http.get("/register/org/handler")), 'name="id_number"')
    return http.post(action, data={**fields, **typed, "send": "1"})


def registration_confirm(http, typed: dict, code: str):
    action, fields = form_with(html_of(http.get("/register/org/handler")), 'name="id_number"')
    return http.post(action, data={**fields, **typed, "code": code, "confirm": "1"})


def test_p3_registration_step_answers_alike_for_match_mismatch_and_unknown(app, clock):
    org = organisations.register_legal_person(**legal_kwargs(uscc(1), name="甲乙丙科技有限公司"))
    handler, named = cases()
    pages = {}
    for name, typed in named:
        clock.advance(61)  # match and mismatch name one mobile: past its resend wait
        page = registration_send(registration_client(app, org), typed)
        assert page.status_code == 200
        pages[name] = same_page(html_of(page), typed)
    assert pages["match"] == pages["mismatch"] == pages["unknown"]
    assert "若信息正确，经办人将收到短信验证码" in pages["match"]
    assert "经办人1" not in pages["match"] and "137****0001" not in pages["match"]
    assert [m["to"] for m in services().sms.outbox.latest(200)] == [handler.phone]
    text = sms_to(handler.phone)[0]["text"]
    assert "甲乙丙科技有限公司" in text and sms_to(handler.phone)[0]["template"] == "bind_handler"


def test_p3_registration_code_refusal_is_the_same_whether_or_not_a_code_was_sent(app, clock):
    org = organisations.register_legal_person(**legal_kwargs(uscc(1)))
    handler, named = cases()
    refusals = {}
    for name, typed in named:
        clock.advance(61)
        http = registration_client(app, org)
        registration_send(http, typed)
        page = registration_confirm(http, typed, "000000")
        assert page.status_code == 200
        refusals[name] = same_page(html_of(page), typed)
    assert refusals["match"] == refusals["mismatch"] == refusals["unknown"]
    assert said(handler_confirmation.CODE_REFUSED) in refusals["match"]
    assert handlers.bindings_of(org) == []


def test_p3_registration_step_binds_after_the_handlers_code(app, clock):
    org = organisations.register_legal_person(**legal_kwargs(uscc(1)))
    handler = make_handler(1)
    http = registration_client(app, org)
    registration_send(http, handler_fields(handler))
    done = registration_confirm(
        http, handler_fields(handler), sms_to(handler.phone)[0]["params"]["code"]
    )
    assert done.status_code == 302 and done.location.endswith("/register/org/done")
    assert [b.handler_id for b in handlers.bindings_of(org)] == [handler.id]


def test_y2_refusals_are_told_only_after_the_code(app, clock):
    """Y2 (not a filed practitioner; already another agency's handler) answers like a match
    until the handler's code is proven."""
    first, second = uscc(1), uscc(2)
    file_agency(first)
    file_agency(second)
    agency = organisations.register_agency(**legal_kwargs(first, name="代理一"))
    other = organisations.register_agency(**legal_kwargs(second, name="代理二"))
    handler, outsider = make_handler(1), make_handler(3)
    file_practitioner(resident_id(1))
    handlers.bind_handler(other, handler)
    for person, message in (
        (outsider, said(handlers.Y2_NOT_PRACTITIONER)),
        (handler, said(handlers.Y2_OTHER_AGENCY)),
    ):
        http = registration_client(app, agency)
        page = html_of(registration_send(http, handler_fields(person)))
        assert "若信息正确" in page and message not in page
        code = sms_to(person.phone)[0]["params"]["code"]
        assert message in html_of(registration_confirm(http, handler_fields(person), code))
    assert handlers.bindings_of(agency) == []


# --- 经办人管理 in the personal center --------------------------------------------------------


def center(app, code: str):
    return org_center(app, code, ANSWER)


def center_send(browser, typed: dict):
    action, fields = form_with(html_of(browser.get("/account/handlers")), 'name="id_number"')
    return browser.post(action, data={**fields, **typed})


def center_confirm(browser, code: str):
    action, fields = form_with(html_of(browser.get("/account/handlers")), 'name="code"')
    return browser.post(action, data={**fields, "code": code})


def test_p3_handler_management_answers_alike_for_match_mismatch_and_unknown(app, clock):
    org = organisations.register_legal_person(**legal_kwargs(uscc(1), name="丁戊科技有限公司"))
    handler, named = cases()
    pages, refusals = {}, {}
    for name, typed in named:
        clock.advance(301)  # past the resend wait, and a fresh re-authentication
        browser = center(app, uscc(1))
        sent = center_send(browser, typed)
        assert sent.status_code == 200
        pages[name] = same_page(html_of(sent), typed)
        refusals[name] = same_page(html_of(center_confirm(browser, "000000")), typed)
    assert pages["match"] == pages["mismatch"] == pages["unknown"]
    assert (
        "若信息正确，经办人将收到短信验证码" in pages["match"] and "经办人1" not in pages["match"]
    )
    assert refusals["match"] == refusals["mismatch"] == refusals["unknown"]
    assert said(handler_confirmation.CODE_REFUSED) in refusals["match"]
    assert [m["to"] for m in services().sms.outbox.latest(200)] == [handler.phone]
    assert "丁戊科技有限公司" in sms_to(handler.phone)[0]["text"]
    assert handlers.bindings_of(org) == []


def test_p3_handler_management_binds_after_the_handlers_code(app, clock):
    org = organisations.register_legal_person(**legal_kwargs(uscc(1)))
    handler = make_handler(1)
    browser = center(app, uscc(1))
    center_send(browser, handler_fields(handler))
    done = center_confirm(browser, sms_to(handler.phone)[0]["params"]["code"])
    assert "经办人已绑定" in html_of(done)
    assert [b.handler_id for b in handlers.bindings_of(org)] == [handler.id]


def test_p3_handler_management_limit_reads_alike_for_match_and_unknown(app, clock):
    """The per-target wait holds for a mobile nobody has just as for a registered one."""
    organisations.register_legal_person(**legal_kwargs(uscc(1)))
    handler, _named = cases()
    browser = center(app, uscc(1))
    answers = []
    for typed in (handler_fields(handler), UNKNOWN):
        center_send(browser, typed)
        again = center_send(browser, typed)
        answers.append(same_page(html_of(again), typed))
    assert answers[0] == answers[1] and "发送过于频繁" in answers[0]
    assert len(sms_to(handler.phone)) == 1
