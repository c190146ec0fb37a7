"""Every security event writes its audit trail entry with who, what, when, from where and the
result — and never a secret (issue 12, "Audit"; vocabulary in ``idp.domain.trail.events``).

Each test makes the event happen the way its callers do (a page through the test client, a
domain or flows call as a view makes it, a command) and reads the entry back. Requests come
from 127.0.0.1 (the test client's peer) unless a test says otherwise.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from domain.test_legacy_races import application, completing
from idp.domain import trail, transaction
from idp.domain.accounts import profile
from idp.domain.models import Token
from idp.domain.organisations import handlers
from idp.extensions import db
from idp.flows import account_events
from idp.protocol import keys
from idp.services import services
from orgkit import make_handler
from supplementkit import EMAIL, ID_NUMBER, MOBILE, NEW_PASSWORD, natural_legacy
from support import PASSWORD, PHONE, Browser, form_fields, html_of, make_relying_party
from trailkit import detail, entries, only, serialised
from web.test_handler_revocation import ANSWER, org  # noqa: F401

WRONG = "Wrong-horse-1"
NEW_PHONE, NEW_EMAIL = "13700001111", "new.mail@example.com"


def clean(entry, *secrets: str) -> None:
    """No secret, and no full mobile, e-mail or ID number, anywhere in the stored row."""
    row = serialised(entry)
    for secret in (PASSWORD, WRONG, NEW_PASSWORD, PHONE, NEW_PHONE, MOBILE, ID_NUMBER, *secrets):
        assert secret not in row, (secret, row)


def personal_login(browser: Browser, identifier: str, password: str):
    page = browser.http.get("/login")
    return browser.submit(page, identifier=identifier, password=password)


def test_successful_login_names_user_client_and_address(app, browser, user, rp):
    browser.sign_in(rp)
    entry = only(trail.LOGIN_SUCCEEDED)
    assert (entry.subject_id, entry.actor, entry.client_id, entry.ip, entry.result) == (
        user.id,
        f"user:{user.id}",
        rp.client_id,
        "127.0.0.1",
        "ok",
    )
    assert detail(entry)["amr"] == ["pwd"]
    clean(entry)


def test_failed_login_is_stored_although_its_error_page_rolls_back(app, browser, user):
    response = personal_login(browser, PHONE, WRONG)
    assert "密码错误" in html_of(response)
    entry = only(trail.LOGIN_FAILED)
    assert (entry.result, entry.ip, entry.subject_id) == ("refused", "127.0.0.1", None)
    assert detail(entry) == {
        "entry": "personal",
        "method": "password",
        "identifier": "138****8000",
    }
    clean(entry)


def test_failed_login_entry_survives_a_request_that_rolls_back(app, user, monkeypatch):
    """The page's answer may be an error (status >= 400), which rolls the request back: the
    refusal's entry is written again in its own transaction."""
    from idp.web.login import passwords

    original = passwords._guarded

    def failing(*args, **kwargs):
        result = original(*args, **kwargs)
        transaction.rollback()  # what the edge does with an error answer
        return result

    monkeypatch.setattr(passwords, "_guarded", failing)
    personal_login(Browser(app), PHONE, WRONG)
    assert only(trail.LOGIN_FAILED).result == "refused"


@pytest.fixture
def settings_overrides():
    return {
        "login": {"max_failures": 2, "captcha_after_failures": 50},
        "proxy": {"trusted_hops": 1},
        "captcha": {"deterministic": True, "deterministic_answer": ANSWER},
    }


@pytest.mark.parametrize(
    "entry, method",
    [
        ("personal", "password"),
        ("legal", "password"),
        ("legal", "handler"),
        ("agency", "password"),
        ("personal", "legacy"),
        ("legal", "legacy"),
        ("agency", "legacy"),
    ],
)
def test_failed_login_is_recorded_on_every_entry_and_method(app, entry, method):
    browser = Browser(app)
    query = {k: v for k, v in (("entry", entry), ("method", method)) if v != "personal"}
    page = browser.http.get("/login", query_string=query)
    data = {"identifier": "91110000MA0000000X", "password": WRONG}
    if entry != "personal":
        data["captcha"] = ANSWER
    browser.submit(page, **data)
    failed = only(trail.LOGIN_FAILED)
    assert (detail(failed)["entry"], detail(failed)["method"]) == (entry, method)
    assert detail(failed)["identifier"] == "91**************0X"


def test_lockout_is_recorded_when_it_starts_and_when_it_refuses(app, browser, user):
    for _ in range(3):
        personal_login(browser, PHONE, WRONG)
    locks = entries(trail.LOGIN_LOCKED)
    assert [detail(e)["started"] for e in locks] == [True, False]
    assert {e.result for e in locks} == {"refused"}
    for entry in locks:
        clean(entry)


def test_client_ip_comes_through_the_trusted_proxy_setting(app, user):
    """``proxy.trusted_hops = 1`` (this module's settings): the address the proxy reported."""
    browser = Browser(app)
    action, hidden = form_fields(html_of(browser.http.get("/login")))
    browser.http.post(
        action,
        data={**hidden, "identifier": PHONE, "password": WRONG},
        headers={"X-Forwarded-For": "203.0.113.9"},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    assert only(trail.LOGIN_FAILED).ip == "203.0.113.9"


def test_legacy_link_and_supplementation_completion(app):
    account = natural_legacy()
    user_id = completing(account.id, application())()
    transaction.commit()
    link = only(trail.LEGACY_LINKED)
    done = only(trail.SUPPLEMENT_COMPLETED)
    assert (link.subject_id, detail(link)) == (user_id, {"legacy": account.id, "kind": "natural"})
    assert (done.subject_id, detail(done)["kind"]) == (user_id, "natural")
    clean(link, EMAIL)
    clean(done, EMAIL)


def test_code_send_masks_the_recipient_and_never_holds_the_code(app):
    services().codes.send("sms", MOBILE, "register", "flow-1", "198.51.100.7")
    services().codes.send("mail", EMAIL, "register", "flow-1", "198.51.100.7")
    transaction.commit()
    sms, mail = entries(trail.CODE_SENT)
    assert detail(sms) == {"channel": "sms", "purpose": "register", "recipient": "139****9000"}
    assert detail(mail)["recipient"] == "l***@example.com"
    code = next(m["params"]["code"] for m in services().sms.outbox.latest() if m["to"] == MOBILE)
    clean(sms, code, EMAIL)
    clean(mail, EMAIL)


def test_password_change_and_reset(app, user):
    account_events.change_password(user, PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
    account_events.password_changed(user.id, "password_reset")
    transaction.commit()
    reasons = [detail(e)["reason"] for e in entries(trail.PASSWORD_CHANGED)]
    assert reasons == ["password_changed", "password_reset"]
    for entry in entries(trail.PASSWORD_CHANGED):
        assert entry.subject_id == user.id
        clean(entry)


def test_mobile_and_email_changes(app, user):
    profile.send_mobile_code(user, NEW_PHONE, "flow", "198.51.100.1")
    code = next(m["params"]["code"] for m in services().sms.outbox.latest() if m["to"] == NEW_PHONE)
    account_events.change_mobile(user, NEW_PHONE, code, "flow")
    profile.send_email_code(user, NEW_EMAIL, "flow", "198.51.100.1")
    body = services().mail.outbox.latest()[0]["body"]
    mail_code = next(w for w in body.replace("，", " ").split() if w.isdigit() and len(w) == 6)
    profile.change_email(user, NEW_EMAIL, mail_code, "flow")
    transaction.commit()
    assert only(trail.MOBILE_CHANGED).subject_id == user.id
    assert only(trail.EMAIL_CHANGED).subject_id == user.id
    for entry in entries():
        clean(entry, code, mail_code, NEW_EMAIL)


def test_deactivation(app, browser, user, rp):
    browser.tokens_for(rp)
    account_events.deactivate(user)
    transaction.commit()
    entry = only(trail.ACCOUNT_DEACTIVATED)
    assert (entry.subject_id, detail(entry)) == (user.id, {"revoked": 1, "handlers": []})
    clean(entry)


def test_handler_bind_and_unbind(app, org):  # noqa: F811
    handler = make_handler(1)
    handlers.bind_handler(org, handler)
    account_events.unbind_handler(org, handler.id)
    transaction.commit()
    bound, unbound = only(trail.HANDLER_BOUND), only(trail.HANDLER_UNBOUND)
    assert (bound.subject_id, detail(bound)) == (org.user_id, {"handler": handler.id})
    assert detail(unbound) == {"handler": handler.id, "revoked": 0}
    clean(bound, handler.phone)
    clean(unbound, handler.phone)


def test_consent_and_its_withdrawal_with_the_revoked_family(app, browser, user):
    rp = make_relying_party()
    browser.tokens_for(rp)
    granted = only(trail.CONSENT_GRANTED)
    assert (granted.subject_id, granted.client_id) == (user.id, rp.client_id)
    assert "openid" in detail(granted)["scopes"]
    account_events.withdraw_consent(user, rp.client_id)
    transaction.commit()
    withdrawn = only(trail.CONSENT_WITHDRAWN)
    assert (withdrawn.client_id, detail(withdrawn)["revoked"]) == (rp.client_id, 1)
    revoked = only(trail.TOKENS_REVOKED)
    family = db.session.scalar(select(Token.family_id).where(Token.user_id == user.id))
    assert (revoked.subject_id, revoked.client_id) == (user.id, rp.client_id)
    assert detail(revoked) == {"reason": "consent_withdrawn", "family": family, "tokens": 1}
    for entry in entries():
        clean(entry)


def test_code_reuse_revocation_stands_with_its_reason(app, browser, user, rp, clock):
    """RFC 6749 §4.1.2: the error answer keeps the revocation, and its entry with it."""
    callback = browser.sign_in(rp)
    assert browser.exchange(rp, callback["code"]).status_code == 200
    clock.advance(services().settings.protocol.retry_grace + 1)
    again = browser.exchange(rp, callback["code"])
    assert again.status_code == 400
    entry = only(trail.TOKENS_REVOKED)
    assert (entry.subject_id, detail(entry)["reason"]) == (user.id, "reuse")
    clean(entry, callback["code"])


def test_key_rotation(app):
    keys.ensure_keys()
    rotated = keys.rotate("RS256", force=True)
    transaction.commit()
    entry = only(trail.KEY_ROTATED)
    assert (detail(entry)["kid"], detail(entry)["alg"]) == (rotated.kid, "RS256")
    assert "PRIVATE" not in serialised(entry)


def test_client_enable_and_disable_from_the_cli(app, rp):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["clients", "disable", rp.client_id]).exit_code == 0
    assert runner.invoke(args=["clients", "enable", rp.client_id]).exit_code == 0
    disabled, enabled = only(trail.CLIENT_DISABLED), only(trail.CLIENT_ENABLED)
    for entry in (disabled, enabled):
        assert (entry.client_id, entry.actor, entry.ip) == (rp.client_id, "cli", "cli")
    assert detail(disabled) == {"revoked": 0, "notices": 0}
