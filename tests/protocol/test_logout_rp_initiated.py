"""OpenID Connect RP-Initiated Logout 1.0 (§2 request, §3 redirection after logout, §4 security).

Mirrors the OIDF ``oidcc-rp-initiated-logout*`` test modules: a post-logout redirect happens
only with a valid ``id_token_hint`` and an exactly registered ``post_logout_redirect_uri``;
anything else gets a page and no redirect. Without a hint that names the signed-in user the OP
asks the user to confirm (a CSRF-protected form) instead of ending the session silently.
"""

from __future__ import annotations

import pytest

from support import Browser, decode_jwt, form_fields, make_relying_party, make_user, query

COOKIE = "idp_sso"
LOGGED_OUT = "https://rp.example.test/logged-out"
LOGGED_OUT_TEXT = "您已安全退出"
OTHER_PHONE = "13900139000"


@pytest.fixture
def settings_overrides():
    # Short ID tokens, so "expired hint" tests can pass ``exp`` while the SSO session lives on.
    return {"protocol": {"id_token_ttl": 300}}


def sso_cookie(browser: Browser) -> str | None:
    cookie = browser.http.get_cookie(COOKIE)
    return cookie.value if cookie is not None else None


def sso_set_cookie_headers(response) -> list[str]:
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE + "=")]


def prompt_none(browser: Browser, rp) -> dict:
    """A silent authorization request: the callback parameters (a code or an error)."""
    response = browser.authorize(rp, prompt="none")
    assert response.status_code == 302 and response.location.startswith(rp.redirect_uri)
    return query(response.location)


def assert_signed_in(browser, rp):
    assert "code" in prompt_none(browser, rp)


def assert_signed_out(browser, rp, old_cookie: str):
    """No live session, neither with the browser's cookies nor by replaying the old cookie."""
    assert prompt_none(browser, rp)["error"] == "login_required"
    browser.http.set_cookie(COOKIE, old_cookie)
    assert prompt_none(browser, rp)["error"] == "login_required"


def assert_cookie_cleared(response, browser):
    headers = sso_set_cookie_headers(response)
    assert headers and headers[0].startswith(COOKIE + "=;")
    assert "Max-Age=0" in headers[0] and "Path=/" in headers[0]
    assert sso_cookie(browser) is None


def assert_no_redirect(response):
    assert response.status_code == 400
    assert response.location is None
    assert response.mimetype == "text/html"


def signed_in(browser, rp, **kw) -> tuple[str, str]:
    """Sign in through ``rp``; returns (id_token, SSO cookie value)."""
    tokens = browser.tokens_for(rp, **kw)
    return tokens["id_token"], sso_cookie(browser)


def test_oidcc_rp_initiated_logout(browser, rp, user):
    id_token, cookie = signed_in(browser, rp)
    response = browser.http.get(
        "/logout",
        query_string={
            "id_token_hint": id_token,
            "post_logout_redirect_uri": LOGGED_OUT,
            "state": "s-1",
        },
    )
    assert response.status_code == 302
    assert response.location == LOGGED_OUT + "?state=s-1"
    assert_cookie_cleared(response, browser)
    assert_signed_out(browser, rp, cookie)


def test_oidcc_rp_initiated_logout_post(browser, rp, user):
    """§2: the OP supports both GET and POST at the end_session_endpoint."""
    id_token, cookie = signed_in(browser, rp)
    response = browser.http.post(
        "/logout",
        data={"id_token_hint": id_token, "post_logout_redirect_uri": LOGGED_OUT, "state": "s-2"},
    )
    assert response.status_code == 302
    assert response.location == LOGGED_OUT + "?state=s-2"
    assert_cookie_cleared(response, browser)
    assert_signed_out(browser, rp, cookie)


def test_oidcc_rp_initiated_logout_bad_post_logout_redirect_uri(browser, rp, user):
    id_token, _ = signed_in(browser, rp)
    response = browser.http.get(
        "/logout",
        query_string={
            "id_token_hint": id_token,
            "post_logout_redirect_uri": "https://evil.example.test/out",
            "state": "s",
        },
    )
    assert_no_redirect(response)
    assert "evil.example.test" not in (response.headers.get("Refresh") or "")
    assert not sso_set_cookie_headers(response)
    assert_signed_in(browser, rp)


def test_oidcc_rp_initiated_logout_query_added_to_post_logout_redirect_uri(browser, rp, user):
    id_token, _ = signed_in(browser, rp)
    response = browser.http.get(
        "/logout",
        query_string={
            "id_token_hint": id_token,
            "post_logout_redirect_uri": LOGGED_OUT + "?foo=bar",
            "state": "s",
        },
    )
    assert_no_redirect(response)
    assert_signed_in(browser, rp)


def test_oidcc_rp_initiated_logout_modified_id_token_hint(browser, rp, user):
    id_token, _ = signed_in(browser, rp)
    header, payload, signature = id_token.split(".")
    middle = len(signature) // 2
    flipped = "A" if signature[middle] != "A" else "B"
    forged = ".".join([header, payload, signature[:middle] + flipped + signature[middle + 1 :]])
    response = browser.http.get(
        "/logout",
        query_string={
            "id_token_hint": forged,
            "post_logout_redirect_uri": LOGGED_OUT,
            "state": "s",
        },
    )
    assert_no_redirect(response)
    assert not sso_set_cookie_headers(response)
    assert_signed_in(browser, rp)


def test_oidcc_rp_initiated_logout_hint_from_other_issuer_refused(browser, rp, user):
    """A well-formed but unsigned (alg none) hint is not one this OP issued."""
    id_token, _ = signed_in(browser, rp)
    _, payload, _ = id_token.split(".")
    unsigned = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + payload + "."
    response = browser.http.get(
        "/logout", query_string={"id_token_hint": unsigned, "post_logout_redirect_uri": LOGGED_OUT}
    )
    assert_no_redirect(response)
    assert_signed_in(browser, rp)


@pytest.mark.parametrize("with_client_id", [False, True])
def test_oidcc_rp_initiated_logout_no_id_token_hint(browser, rp, user, with_client_id):
    signed_in(browser, rp)
    params = {"post_logout_redirect_uri": LOGGED_OUT, "state": "s"}
    if with_client_id:
        params["client_id"] = rp.client_id
    response = browser.http.get("/logout", query_string=params)
    assert_no_redirect(response)
    assert_signed_in(browser, rp)


def test_oidcc_rp_initiated_logout_no_params(browser, rp, user):
    _, cookie = signed_in(browser, rp)
    page = browser.http.get("/logout")
    assert page.status_code == 200 and page.location is None
    assert not sso_set_cookie_headers(page)
    action, hidden = form_fields(page.get_data(as_text=True))
    assert action == "/logout/confirm" and hidden.get("csrf_token")
    assert_signed_in(browser, rp)  # showing the page ends nothing

    done = browser.submit(page)
    assert done.status_code == 200 and done.location is None
    assert LOGGED_OUT_TEXT in done.get_data(as_text=True)
    assert_cookie_cleared(done, browser)
    assert_signed_out(browser, rp, cookie)


def test_oidcc_rp_initiated_logout_no_params_not_signed_in(browser, rp, user):
    response = browser.http.get("/logout")
    assert response.status_code == 200
    assert LOGGED_OUT_TEXT in response.get_data(as_text=True)


def test_oidcc_rp_initiated_logout_no_post_logout_redirect_uri(browser, rp, user):
    id_token, cookie = signed_in(browser, rp)
    response = browser.http.get("/logout", query_string={"id_token_hint": id_token, "state": "s"})
    assert response.status_code == 200 and response.location is None
    assert LOGGED_OUT_TEXT in response.get_data(as_text=True)
    assert_cookie_cleared(response, browser)
    assert_signed_out(browser, rp, cookie)


def test_oidcc_rp_initiated_logout_only_state(browser, rp, user):
    _, cookie = signed_in(browser, rp)
    page = browser.http.get("/logout", query_string={"state": "only-state-1"})
    assert page.status_code == 200 and page.location is None
    html = page.get_data(as_text=True)
    assert "only-state-1" not in html
    action, hidden = form_fields(html)
    assert action == "/logout/confirm" and hidden.get("csrf_token")
    assert_signed_in(browser, rp)

    done = browser.submit(page)
    assert done.status_code == 200 and done.location is None
    assert LOGGED_OUT_TEXT in done.get_data(as_text=True)
    assert_signed_out(browser, rp, cookie)


def test_oidcc_rp_initiated_logout_no_state(browser, rp, user):
    id_token, cookie = signed_in(browser, rp)
    response = browser.http.get(
        "/logout", query_string={"id_token_hint": id_token, "post_logout_redirect_uri": LOGGED_OUT}
    )
    assert response.status_code == 302
    assert response.location == LOGGED_OUT
    assert_signed_out(browser, rp, cookie)


def test_rp_initiated_logout_client_id_matching_hint(browser, rp, user):
    id_token, cookie = signed_in(browser, rp)
    response = browser.http.get(
        "/logout",
        query_string={
            "id_token_hint": id_token,
            "client_id": rp.client_id,
            "post_logout_redirect_uri": LOGGED_OUT,
            "state": "s",
        },
    )
    assert response.status_code == 302 and response.location == LOGGED_OUT + "?state=s"
    assert_signed_out(browser, rp, cookie)


def test_rp_initiated_logout_client_id_not_matching_hint(browser, rp, user):
    other = make_relying_party(name="另一个应用")
    id_token, _ = signed_in(browser, rp)
    response = browser.http.get(
        "/logout",
        query_string={
            "id_token_hint": id_token,
            "client_id": other.client_id,
            "post_logout_redirect_uri": LOGGED_OUT,
            "state": "s",
        },
    )
    assert_no_redirect(response)
    assert_signed_in(browser, rp)


def test_rp_initiated_logout_unknown_client_id(browser, rp, user):
    signed_in(browser, rp)
    response = browser.http.get("/logout", query_string={"client_id": "no-such-client"})
    assert_no_redirect(response)
    assert_signed_in(browser, rp)


def test_rp_initiated_logout_uri_registered_for_another_client(browser, rp, user):
    """The redirect must be registered for the client the hint was issued to (§3)."""
    make_relying_party(
        name="另一个应用",
        redirect_uri="https://other.example.test/cb",
        post_logout_redirect_uris=["https://other.example.test/bye"],
    )
    id_token, _ = signed_in(browser, rp)
    response = browser.http.get(
        "/logout",
        query_string={
            "id_token_hint": id_token,
            "post_logout_redirect_uri": "https://other.example.test/bye",
        },
    )
    assert_no_redirect(response)
    assert_signed_in(browser, rp)


def test_rp_initiated_logout_expired_id_token_hint_accepted(browser, rp, user, clock):
    """§2: the OP need not reject a hint whose ``exp`` has passed; the signature is what counts."""
    id_token, cookie = signed_in(browser, rp)
    clock.advance(400)  # past exp (300 s) and the 60 s leeway; the SSO session is still live
    assert decode_jwt(id_token)["exp"] < clock.now()
    assert_signed_in(browser, rp)
    response = browser.http.get(
        "/logout",
        query_string={
            "id_token_hint": id_token,
            "post_logout_redirect_uri": LOGGED_OUT,
            "state": "late",
        },
    )
    assert response.status_code == 302 and response.location == LOGGED_OUT + "?state=late"
    assert_signed_out(browser, rp, cookie)


def test_rp_initiated_logout_hint_after_session_ended(browser, rp, user):
    """A valid hint with no live session still redirects (the RP's view is consistent)."""
    id_token, cookie = signed_in(browser, rp)
    browser.http.delete_cookie(COOKIE)
    response = browser.http.get(
        "/logout",
        query_string={
            "id_token_hint": id_token,
            "post_logout_redirect_uri": LOGGED_OUT,
            "state": "s",
        },
    )
    assert response.status_code == 302 and response.location == LOGGED_OUT + "?state=s"
    browser.http.set_cookie(COOKIE, cookie)
    assert_signed_in(browser, rp)  # it was not this browser's session to end


def test_rp_initiated_logout_hint_for_other_user_asks_confirmation(app, browser, rp, user):
    """§4: a hint naming someone else must not silently end the signed-in user's session."""
    make_user(phone=OTHER_PHONE, name="李四")
    other = Browser(app)
    other_hint, _ = signed_in(other, rp, identifier=OTHER_PHONE)
    _, cookie = signed_in(browser, rp)

    page = browser.http.get(
        "/logout",
        query_string={
            "id_token_hint": other_hint,
            "post_logout_redirect_uri": LOGGED_OUT,
            "state": "s",
        },
    )
    assert page.status_code == 200 and page.location is None
    assert not sso_set_cookie_headers(page)
    action, hidden = form_fields(page.get_data(as_text=True))
    assert action == "/logout/confirm" and hidden.get("csrf_token")
    assert_signed_in(browser, rp)
    assert_signed_in(other, rp)

    done = browser.submit(page)
    assert done.status_code == 302 and done.location == LOGGED_OUT + "?state=s"
    assert_signed_out(browser, rp, cookie)
    assert_signed_in(other, rp)  # only the confirming user's session ended


def test_rp_initiated_logout_confirm_requires_csrf(browser, rp, user):
    signed_in(browser, rp)
    page = browser.http.get("/logout")
    assert page.status_code == 200
    response = browser.http.post("/logout/confirm", data={})
    assert response.status_code == 400 and response.location is None
    assert not sso_set_cookie_headers(response)
    assert_signed_in(browser, rp)
    _, hidden = form_fields(page.get_data(as_text=True))
    forged = browser.http.post("/logout/confirm", data={"csrf_token": hidden["csrf_token"] + "x"})
    assert forged.status_code == 400
    assert_signed_in(browser, rp)


def test_rp_initiated_logout_confirm_csrf_token_from_another_browser(app, browser, rp, user):
    """A token scraped from an attacker's own page is bound to the attacker's form session."""
    signed_in(browser, rp)
    attacker = Browser(app)
    _, hidden = form_fields(attacker.http.get("/logout/start").get_data(as_text=True))
    response = browser.http.post("/logout/confirm", data={"csrf_token": hidden["csrf_token"]})
    assert response.status_code == 400
    assert_signed_in(browser, rp)
