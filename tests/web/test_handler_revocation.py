"""Handlers in the personal center: a new handler's mobile is proven by an SMS code (P3, S7), and
when a binding ends — unbinding, the change to agency (P6), deactivation (P4) — the handler's
grants and SSO sessions acting for the organisation end with it (R2): refresh tokens fail with
``invalid_grant`` (RFC 6749 §5.2), access tokens are inactive at introspection (RFC 7662 §2.2),
and back-channel logout notices go to the relying parties (Back-Channel Logout 1.0 §2.5).
The handler's own personal session stays. Real database, store and outbox; no mocks.
"""

from __future__ import annotations

import pytest

from idp.domain.models import HandlerBinding, User
from idp.domain.organisations import handlers
from idp.domain.organisations import registration as organisations
from idp.extensions import db
from idp.protocol import logout, tokens
from orgkit import file_agency, latest_sms_code, legal_kwargs, make_handler, resident_id, uscc
from support import (
    PASSWORD,
    Browser,
    field_error,
    form_fields,
    form_with,
    html_of,
    make_relying_party,
    query,
)

ANSWER = "2468"
OFFLINE = "openid profile offline_access"
BCL_URI = "https://rp.example.test/backchannel"
NEW_PHONE = "13700009999"


@pytest.fixture
def settings_overrides():
    return {"captcha": {"deterministic": True, "deterministic_answer": ANSWER}}


@pytest.fixture
def bcl_rp(app):
    return make_relying_party(name="商标网上服务", backchannel_logout_uri=BCL_URI)


@pytest.fixture
def org(app):
    return organisations.register_legal_person(**legal_kwargs(uscc(7), name="甲科技有限公司"))


def center_login(browser, identifier, **entry):
    page = browser.http.get("/login", query_string=entry)
    data = {"identifier": identifier, "password": PASSWORD}
    if entry:
        data["captcha"] = ANSWER
    response = browser.submit(page, **data)
    assert response.status_code == 302, html_of(response)


def org_center(app, org_uscc: str, target: str) -> Browser:
    """The organisation signed in to its personal center and re-authenticated (P2)."""
    browser = Browser(app)
    center_login(browser, org_uscc, entry="legal")
    page = browser.http.get("/account/reauth", query_string={"next": target})
    browser.submit(page, password=PASSWORD)
    return browser


def authorize_as_handler(browser, rp, handler, scope=OFFLINE) -> str:
    """The legal-person entry, handler login (R2), up to the authorization code."""
    response = browser.authorize(rp, scope=scope)
    page = browser.http.get(response.location, query_string={"entry": "legal", "method": "handler"})
    response = browser.submit(page, identifier=handler.phone, password=PASSWORD, captcha=ANSWER)
    if response.location.endswith("/consent"):
        response = browser.consent(response)
    assert response.location.startswith(rp.redirect_uri), response.location
    return query(response.location)["code"]


def sign_in_as_handler(browser, rp, handler) -> dict:
    token = browser.exchange(rp, authorize_as_handler(browser, rp, handler))
    assert token.status_code == 200, html_of(token)
    return token.get_json()


def introspect(browser, rp, token: str) -> dict:
    data, headers = rp.auth({"token": token})
    return browser.http.post("/introspect", data=data, headers=headers).get_json()


def refresh(browser, rp, refresh_token: str):
    return browser.token(rp, grant_type="refresh_token", refresh_token=refresh_token)


def acting_sessions(handler, org) -> list:
    store = logout.sessions()
    loaded = [store.load(key) for key in store.keys_for_user(handler.id)]
    return [s for s in loaded if s and (s.acting_for or {}).get("user_id") == org.user_id]


def assert_signed_out_for(org, handler, browser, rp, issued: dict) -> None:
    assert refresh(browser, rp, issued["refresh_token"]).status_code == 400
    assert introspect(browser, rp, issued["access_token"]) == {"active": False}
    assert acting_sessions(handler, org) == []
    assert browser.authorize(rp).location.endswith("/login")  # must sign in again


def assert_still_signed_in(org, handler, browser, rp, issued: dict) -> None:
    assert introspect(browser, rp, issued["access_token"])["active"] is True
    assert len(acting_sessions(handler, org)) == 1


# --- P3: a new handler's mobile is proven in the personal center ---------------------------


def test_p3_new_handler_in_personal_center_needs_sms_code(app, org):
    center = org_center(app, uscc(7), "/account/handlers")
    action, fields = form_with(html_of(center.http.get("/account/handlers")), 'name="name"')
    data = {
        **fields,
        "name": "新经办人",
        "id_type": "resident_id",
        "id_number": resident_id(40),
        "phone": NEW_PHONE,
        "password": PASSWORD,
    }
    refused = center.http.post(action, data=data)
    assert field_error(refused, "sms_code") and 'value="13700009999"' in html_of(refused)
    assert db.session.query(User).filter_by(phone=NEW_PHONE).count() == 0
    # the send button posts the whole form to /code; nothing typed is lost
    sent = center.http.post(action + "/code", data={**data, "password": ""})
    assert "短信验证码已发送" in html_of(sent) and 'value="新经办人"' in html_of(sent)
    code = latest_sms_code(NEW_PHONE)
    wrong = center.http.post(
        action, data={**data, "sms_code": "000000" if code != "000000" else "111111"}
    )
    assert field_error(wrong, "sms_code")
    assert db.session.query(User).filter_by(phone=NEW_PHONE).count() == 0
    # a right code with a refused ID number: the mobile stays proven in this flow (S7)
    bad_id = resident_id(40)[:-1] + ("0" if resident_id(40)[-1] != "0" else "1")
    refused = center.http.post(action, data={**data, "sms_code": code, "id_number": bad_id})
    assert field_error(refused, "id_number")
    done = center.http.post(action, data=data)
    assert "经办人已注册并绑定" in html_of(done), html_of(done)
    person = db.session.query(User).filter_by(phone=NEW_PHONE).one()
    assert [b.organisation_id for b in handlers.organisations_for_handler(person)] == [org.id]


def test_p3_code_for_another_mobile_does_not_prove_this_one(app, org):
    center = org_center(app, uscc(7), "/account/handlers")
    action, fields = form_with(html_of(center.http.get("/account/handlers")), 'name="name"')
    data = {
        **fields,
        "name": "新经办人",
        "id_type": "resident_id",
        "id_number": resident_id(41),
        "phone": NEW_PHONE,
        "password": PASSWORD,
    }
    center.http.post(action + "/code", data=data)
    other = center.http.post(
        action, data={**data, "phone": "13700008888", "sms_code": latest_sms_code(NEW_PHONE)}
    )
    assert field_error(other, "sms_code")
    assert db.session.query(HandlerBinding).filter_by(organisation_id=org.id).count() == 0


def test_p3_sending_code_needs_reauthentication_and_a_valid_mobile(app, org, browser):
    center_login(browser, uscc(7), entry="legal")
    page = html_of(browser.http.get("/account/handlers"))
    action, fields = form_with(page, 'name="name"')
    refused = browser.http.post(action + "/code", data={**fields, "phone": NEW_PHONE})
    assert "/account/reauth" in refused.location
    center = org_center(app, uscc(7), "/account/handlers")
    action, fields = form_with(html_of(center.http.get("/account/handlers")), 'name="name"')
    bad = center.http.post(action + "/code", data={**fields, "phone": "12345"})
    assert field_error(bad, "phone")


# --- R2: ending a binding ends the grants and sessions acting for the organisation ----------


def test_p3_unbinding_revokes_tokens_acting_for_the_organisation(app, org, bcl_rp, sender):
    handler, colleague = make_handler(1), make_handler(2)
    handlers.bind_handler(org, handler)
    handlers.bind_handler(org, colleague)
    acting, other = Browser(app), Browser(app)
    issued = sign_in_as_handler(acting, bcl_rp, handler)
    kept = sign_in_as_handler(other, bcl_rp, colleague)
    personal = Browser(app)
    center_login(personal, handler.phone)  # the handler's own personal session
    center = org_center(app, uscc(7), "/account/handlers")
    action, fields = form_with(
        html_of(center.http.get("/account/handlers")), f'value="{handler.id}"'
    )
    assert "已解除" in html_of(center.http.post(action, data=fields))
    assert_signed_out_for(org, handler, acting, bcl_rp, issued)
    assert personal.http.get("/account").status_code == 200
    assert_still_signed_in(org, colleague, other, bcl_rp, kept)  # only that handler's grants
    assert logout.deliver_due() == 1 and sender.sent[0][0] == BCL_URI


def test_p6_change_to_agency_revokes_tokens_acting_for_the_organisation(app, org, bcl_rp, sender):
    handler = make_handler(1)
    handlers.bind_handler(org, handler)
    acting = Browser(app)
    issued = sign_in_as_handler(acting, bcl_rp, handler)
    file_agency(uscc(7))
    center = org_center(app, uscc(7), "/account/agency")
    action, fields = form_fields(html_of(center.http.get("/account/agency")))
    assert "已变更为代理机构" in html_of(center.http.post(action, data=fields))
    assert_signed_out_for(org, handler, acting, bcl_rp, issued)
    assert center.http.get("/account").status_code == 200  # the organisation's own session
    assert logout.deliver_due() == 1


def test_p4_deactivating_organisation_revokes_tokens_acting_for_it(app, org, bcl_rp, sender):
    handler = make_handler(1)
    handlers.bind_handler(org, handler)
    acting, personal = Browser(app), Browser(app)
    issued = sign_in_as_handler(acting, bcl_rp, handler)
    center_login(personal, handler.phone)
    center = org_center(app, uscc(7), "/account/deactivate")
    action, fields = form_fields(html_of(center.http.get("/account/deactivate")))
    assert "已注销" in html_of(center.http.post(action, data={**fields, "phrase": "确认注销"}))
    assert_signed_out_for(org, handler, acting, bcl_rp, issued)
    assert personal.http.get("/account").status_code == 200
    assert logout.deliver_due() == 1


def test_r2_code_exchanged_after_unbinding_yields_no_token(app, org, rp):
    handler = make_handler(1)
    handlers.bind_handler(org, handler)
    browser = Browser(app)
    code = authorize_as_handler(browser, rp, handler)
    handlers.unbind_handler(org, handler)  # the binding ends while the code is in flight
    assert tokens.revoke_acting_for(org.user_id, handler.id, reason="binding_ended") == 0
    response = browser.exchange(rp, code)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"
    assert "id_token" not in response.get_json()


def test_r2_refresh_after_binding_ended_is_refused_even_unrevoked(app, org, rp):
    """The binding is the source of truth: a refresh token acting for the organisation stops
    working when the binding ends, even where no revocation ran (binding ended in the domain)."""
    handler = make_handler(1)
    handlers.bind_handler(org, handler)
    browser = Browser(app)
    issued = sign_in_as_handler(browser, rp, handler)
    handlers.unbind_handler(org, handler)
    response = refresh(browser, rp, issued["refresh_token"])
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"
    assert introspect(browser, rp, issued["access_token"]) == {"active": False}
