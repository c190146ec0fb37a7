"""The Content-Security-Policy of the HTML pages (docs/protocol.md, "Hostile input").

No plugins (``object-src 'none'``), no ``<base>`` (``base-uri 'none'``), and forms post only
here; the one cross-origin target allowed is where a form of the page ends up redirecting
(browsers check ``form-action`` on redirects after a submission): the client of the pending
authorization request, or the post-logout redirect URI of the logout page.
"""

from __future__ import annotations

from support import Browser, make_user

LOGGED_OUT = "https://rp.example.test/logged-out"


def directives(response) -> dict[str, list[str]]:
    csp = response.headers["Content-Security-Policy"]
    out = {}
    for part in csp.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


def test_pages_refuse_plugins_and_base_and_post_only_here(client):
    for path in ("/login", "/register", "/appeal", "/login/forgot/legacy"):
        policy = directives(client.get(path))
        assert policy["object-src"] == ["'none'"], path
        assert policy["base-uri"] == ["'none'"], path
        assert policy["form-action"] == ["'self'"], path


def test_interaction_pages_may_post_towards_their_client_only(browser, rp, user):
    response = browser.authorize(rp)
    page = browser.follow(response)
    assert directives(page)["form-action"] == ["'self'", "https://rp.example.test"]
    consent = browser.login(response)
    assert directives(browser.follow(consent))["form-action"] == [
        "'self'",
        "https://rp.example.test",
    ]
    browser.consent(consent)
    # the request is finished: no client origin is allowed any more
    assert directives(browser.http.get("/account"))["form-action"] == ["'self'"]


def test_logout_page_may_post_towards_the_post_logout_redirect_uri(app, browser, rp, user):
    make_user(phone="13900139000", name="李四")
    other = Browser(app)
    other_tokens = other.tokens_for(rp, identifier="13900139000")
    browser.sign_in(rp)
    page = browser.http.get(
        "/logout",
        query_string={
            "id_token_hint": other_tokens["id_token"],
            "post_logout_redirect_uri": LOGGED_OUT,
        },
    )
    assert page.status_code == 200
    assert directives(page)["form-action"] == ["'self'", "https://rp.example.test"]
    assert directives(browser.http.get("/logout/start"))["form-action"] == ["'self'"]
