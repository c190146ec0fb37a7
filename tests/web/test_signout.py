"""Signing out leaves nothing behind in the browser: RP-initiated logout, the personal center's
退出登录 and ending the current session clear the whole form session — abandoned registrations
and supplementations included — and drop their parked store entries (docs/accounts.md,
"Signing out"). Real store and pages; a shared computer is the threat."""

from __future__ import annotations

from idp.services import services
from supplementkit import legacy_login, natural_legacy
from support import Browser, form_fields, html_of

REGISTRATION_FLOW = "register_person"


def start_registration(http) -> None:
    page = http.get("/register/person")
    action, hidden = form_fields(html_of(page))
    http.post("/register/codes/sms", data={**hidden, "phone": "13900139000", "name": "李四"})
    with http.session_transaction() as form_session:
        assert REGISTRATION_FLOW in form_session  # the flow the codes are bound to


def start_supplementation(http) -> str:
    natural_legacy()
    response = legacy_login(http)
    assert "/supplement/" in response.location
    sid = response.location.rstrip("/").rsplit("/", 1)[-1]
    assert services().store.get(f"ia:{sid}") is not None  # its sign-in record
    return sid


def center_sign_out(http):
    page = http.get("/logout/start")
    return http.post(form_fields(html_of(page))[0], data=form_fields(html_of(page))[1])


def form_session_of(http) -> dict:
    with http.session_transaction() as form_session:
        return dict(form_session)


def test_sign_out_forgets_an_abandoned_registration(app):
    http = Browser(app).http
    start_registration(http)
    assert "您已安全退出" in html_of(center_sign_out(http))
    assert REGISTRATION_FLOW not in form_session_of(http)


def test_sign_out_forgets_an_abandoned_supplementation(app):
    http = Browser(app).http
    sid = start_supplementation(http)
    center_sign_out(http)
    assert services().store.get(f"ia:{sid}") is None
    assert "interactions" not in form_session_of(http)
    response = http.get(f"/supplement/{sid}")
    assert response.status_code in (302, 404) and "李四" not in html_of(response)


def test_rp_initiated_logout_clears_the_form_session(app, rp, user):
    browser = Browser(app)
    id_token = browser.tokens_for(rp)["id_token"]
    start_registration(browser.http)
    parked = browser.authorize(rp, prompt="login")  # an authorization request left waiting
    assert parked.location.endswith("/login")
    iid = parked.location.split("/interaction/")[1].split("/")[0]
    assert services().store.get(f"ia:{iid}") is not None
    before = form_session_of(browser.http)
    response = browser.http.get("/logout", query_string={"id_token_hint": id_token})
    assert response.status_code == 200
    # nothing of before; the page's own forms (the header's 大字版) may hold a new CSRF token
    after = form_session_of(browser.http)
    assert set(after) <= {"csrf_token"} and after.get("csrf_token") != before.get("csrf_token")
    assert services().store.get(f"ia:{iid}") is None


def test_ending_the_current_session_in_session_management_clears_the_form_session(app, rp, user):
    browser = Browser(app)
    browser.tokens_for(rp)
    start_registration(browser.http)
    page = browser.http.get("/account/sessions")
    action, hidden = form_fields(html_of(page))
    sid = next(iter(services().sessions.keys_for_user(user.id)))
    target = services().sessions.load(sid).sid
    browser.http.post("/account/sessions/end", data={**hidden, "target": target})
    assert REGISTRATION_FLOW not in form_session_of(browser.http)
