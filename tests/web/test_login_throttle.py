"""Login throttling that a stranger cannot turn against the account's owner (docs/accounts.md,
"Login throttling and lockout"): failures count per ACCOUNT — every identifier of one account,
legacy ids included, shares one counter — and lock only the (account, client IP) pair and, over
all accounts, the client IP; the account-wide count raises the bar (captcha, then a one-time
code to the account's verified mobile) and never locks. Real database, store and outbox; the
settable clock; clients told apart by their address (behind a trusted proxy, see
test_client_ip.py)."""

from __future__ import annotations

import pytest

from idp.domain.legacy import link as legacy_link
from idp.services import services
from legacykit import LEGACY_PASSWORD, make_legacy_account
from support import PASSWORD, PHONE, Browser, form_fields, html_of, make_user

ANSWER = "2468"
GENERIC = "账号或密码错误"
ID_NUMBER = "11010519491231002X"
MAX_FAILURES, CAPTCHA_AFTER, CODE_AFTER, IP_FACTOR = 3, 2, 6, 3
STRANGER, OWNER = "198.51.100.9", "203.0.113.7"


@pytest.fixture
def settings_overrides():
    return {
        "captcha": {"deterministic": True, "deterministic_answer": ANSWER},
        "login": {
            "max_failures": MAX_FAILURES,
            "captcha_after_failures": CAPTCHA_AFTER,
            "code_after_failures": CODE_AFTER,
            "ip_factor": IP_FACTOR,
            "lock_seconds": 120,
        },
    }


@pytest.fixture
def person(app):
    return make_user(id_type="resident_id", id_number=ID_NUMBER)


def browser_at(app, ip: str) -> Browser:
    browser = Browser(app)
    browser.http.environ_base["REMOTE_ADDR"] = ip
    return browser


def attempt(browser, identifier: str, password: str, method: str | None = None):
    """One login at the personal entry, the captcha answered whenever the page asks for it."""
    query = {"method": method} if method else {}
    for _ in range(2):  # a captcha the account asks for shows on the page after the first post
        page = browser.http.get("/login", query_string=query)
        action, hidden = form_fields(html_of(page))
        response = browser.http.post(
            action,
            data={**hidden, "identifier": identifier, "password": password, "captcha": ANSWER},
        )
        if "验证码错误" not in html_of(response):
            return response
    return response


def signed_in(browser) -> bool:
    return browser.http.get_cookie("idp_sso") is not None


def fail(ip: str, app, identifier: str, times: int, method: str | None = None) -> None:
    for i in range(times):
        browser = browser_at(app, ip)
        assert GENERIC in html_of(attempt(browser, identifier, f"Wrong-password-{i}", method))


def latest_sms():
    return services().sms.outbox.latest()[0]


def test_victim_is_not_locked_out_by_a_stranger_ip(app, person):
    fail(STRANGER, app, PHONE, MAX_FAILURES)
    stranger = browser_at(app, STRANGER)
    locked = attempt(stranger, PHONE, PASSWORD)  # the stranger's pair is locked, right or wrong
    assert GENERIC in html_of(locked) and not signed_in(stranger)
    owner = browser_at(app, OWNER)
    response = attempt(owner, PHONE, PASSWORD)  # the owner elsewhere: captcha, then in
    assert response.status_code == 302 and signed_in(owner)


def test_mobile_and_id_number_share_one_counter(app, person, clock):
    for i, identifier in enumerate([PHONE, ID_NUMBER.lower(), "+86 138-0013-8000"]):
        assert GENERIC in html_of(attempt(browser_at(app, STRANGER), identifier, f"Wrong-{i}x1"))
    for identifier in (PHONE, ID_NUMBER):  # the pair (account, IP) is locked under both
        stranger = browser_at(app, STRANGER)
        assert GENERIC in html_of(attempt(stranger, identifier, PASSWORD))
        assert not signed_in(stranger)
    clock.advance(121)
    assert signed_in_after(attempt(browser_at(app, STRANGER), ID_NUMBER, PASSWORD))


def signed_in_after(response) -> bool:
    return response.status_code == 302 and "/login" not in response.location


def test_linked_legacy_id_shares_the_users_counter(app, person):
    legacy_link.link(person, make_legacy_account("L0001", id_number=ID_NUMBER))
    from idp.extensions import db

    db.session.commit()
    fail(STRANGER, app, "L0001", MAX_FAILURES - 1, method="legacy")
    fail(STRANGER, app, PHONE, 1)  # the third failure of the same account from this IP
    stranger = browser_at(app, STRANGER)
    assert GENERIC in html_of(attempt(stranger, PHONE, PASSWORD))
    assert GENERIC in html_of(attempt(stranger, "L0001", LEGACY_PASSWORD, method="legacy"))


def test_client_ip_is_locked_over_every_account(app, person):
    others = [make_user(phone=f"1390000000{i}", name="李四") for i in range(IP_FACTOR)]
    for other in others:
        fail(STRANGER, app, other.phone, MAX_FAILURES)
    stranger = browser_at(app, STRANGER)  # any account, even with its right password
    assert GENERIC in html_of(attempt(stranger, PHONE, PASSWORD)) and not signed_in(stranger)
    assert signed_in_after(attempt(browser_at(app, OWNER), PHONE, PASSWORD))


def code_page_after_many_failures(app, identifier=PHONE, method=None, password=PASSWORD):
    """Failures from many addresses reach code_after_failures; then the owner's right password
    (and captcha) leads to the code page."""
    for n in range(CODE_AFTER):
        fail(f"198.51.100.{10 + n}", app, identifier, 1, method=method)
    owner = browser_at(app, OWNER)
    response = attempt(owner, identifier, password, method=method)
    assert response.status_code == 302 and response.location.endswith("/login/code")
    assert not signed_in(owner)
    return owner


def submit_code(owner, code: str):
    page = owner.http.get("/login/code")
    action, hidden = form_fields(html_of(page))
    return owner.http.post(action, data={**hidden, "code": code, "submit": "1"})


def test_account_wide_failures_require_sms_code(app, person):
    owner = code_page_after_many_failures(app)
    message = latest_sms()
    assert message["to"] == PHONE
    page = html_of(owner.http.get("/login/code"))
    assert "138****8000" in page and PHONE not in page
    wrong = submit_code(owner, "000000" if message["params"]["code"] != "000000" else "111111")
    assert "验证码错误" in html_of(wrong) and not signed_in(owner)
    response = submit_code(owner, message["params"]["code"])
    assert response.status_code == 302 and signed_in(owner)
    # the completed sign-in starts the account's count again: no captcha, no code
    fresh = browser_at(app, "192.0.2.44")
    page = fresh.http.get("/login")
    assert 'name="captcha"' not in html_of(page)
    assert signed_in_after(attempt(fresh, PHONE, PASSWORD))


def test_sms_code_step_cannot_be_skipped(app, person):
    owner = code_page_after_many_failures(app)
    assert owner.http.get("/account").status_code == 302  # not signed in
    again = attempt(owner, PHONE, PASSWORD)  # the password alone never gets past the step
    assert again.location.endswith("/login/code") and not signed_in(owner)


def test_wrong_password_still_fails_generically_after_the_code_threshold(app, person):
    for n in range(CODE_AFTER):
        fail(f"198.51.100.{10 + n}", app, PHONE, 1)
    sent = services().sms.outbox.latest()
    response = attempt(browser_at(app, OWNER), PHONE, "Wrong-password-x")
    assert GENERIC in html_of(response)
    assert services().sms.outbox.latest() == sent  # no code without the password


def test_linked_legacy_login_code_goes_to_the_users_mobile(app, person):
    legacy_link.link(
        person, make_legacy_account("L0001", id_number=ID_NUMBER, mobile="13911112222")
    )
    from idp.extensions import db

    db.session.commit()
    owner = code_page_after_many_failures(app, "L0001", method="legacy", password=LEGACY_PASSWORD)
    message = latest_sms()
    assert message["to"] == PHONE  # the user's verified mobile, never the export's
    assert submit_code(owner, message["params"]["code"]).status_code == 302
    assert signed_in(owner)


def test_link_page_shares_the_legacy_login_counter(app, person):
    """旧账号管理's password check (L5) and the 历史账号 login count together."""
    from idp.domain.signin import login_keys

    account = make_legacy_account("L0001", id_number=ID_NUMBER)
    assert (
        login_keys.for_link("ｌ0001 ")
        == login_keys.for_legacy("personal", "L0001")
        == login_keys.of_legacy(account)
    )
    legal = make_legacy_account("G0001", kind="legal", id_number=None, name="甲公司")
    assert (
        login_keys.for_link("G0001")
        == login_keys.for_legacy("legal", "g0001")
        == login_keys.of_legacy(legal)
    )


def test_sms_code_step_resumes_the_authorization_request(app, person, rp):
    for n in range(CODE_AFTER):
        fail(f"198.51.100.{10 + n}", app, PHONE, 1)
    owner = browser_at(app, OWNER)
    login_url = owner.authorize(rp).location
    for _ in range(2):  # the account's captcha shows after the first post
        page = owner.http.get(login_url)
        action, hidden = form_fields(html_of(page))
        response = owner.http.post(
            action, data={**hidden, "identifier": PHONE, "password": PASSWORD, "captcha": ANSWER}
        )
        if response.status_code == 302:
            break
    assert response.location.endswith("/login/code")
    response = submit_code(owner, latest_sms()["params"]["code"])
    if response.location.endswith("/consent"):
        response = owner.consent(response)
    assert response.location.startswith(rp.redirect_uri) and "code=" in response.location
