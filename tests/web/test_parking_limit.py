"""Anonymous authorization requests are limited per IP before anything is parked (issue 11):
past ``protocol.parked_per_ip_minute`` the request goes back to the subsystem with
``temporarily_unavailable`` (RFC 6749 §4.1.2.1) and the store gains no sign-in record."""

from __future__ import annotations

import pytest

from support import Browser, query


@pytest.fixture
def settings_overrides():
    return {"protocol": {"parked_per_ip_minute": 3}}


def test_past_the_per_ip_limit_nothing_is_parked_and_the_subsystem_hears_why(
    app, browser, rp, clock
):
    for _ in range(3):
        assert "/interaction/" in browser.authorize(rp).location
    refused = browser.authorize(rp, state="s4")
    answer = query(refused.location)
    assert refused.location.startswith(rp.redirect_uri)
    assert answer["error"] == "temporarily_unavailable" and answer["state"] == "s4"
    other = Browser(app)
    other.http.environ_base["REMOTE_ADDR"] = "203.0.113.9"  # another network is not held up
    assert "/interaction/" in other.authorize(rp).location
    clock.advance(60)
    assert "/interaction/" in browser.authorize(rp).location  # a new minute


def test_a_refused_request_parks_no_sign_in_record(app, browser, rp):
    for _ in range(3):
        browser.authorize(rp)
    with browser.http.session_transaction() as form_session:
        parked = list(form_session.get("interactions", []))
    browser.authorize(rp)
    with browser.http.session_transaction() as form_session:
        assert list(form_session.get("interactions", [])) == parked
