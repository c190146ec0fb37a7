"""SSO sessions: the cookie (OIDC Core §15.5.1 / RFC 6265 attributes), session fixation, idle and
absolute timeouts, and Back-Channel Logout 1.0 §2.1 notices when a session expires.

The browser cookie holds only an opaque random value; the session lives in the store under the
SHA-256 of it. A session ends ``session.idle_timeout`` seconds after its last use or
``session.absolute_timeout`` seconds after login, whichever comes first; after that an
authorization request needs a login again, and the expiry sweep tells the session's clients.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from idp.adapters.store import RedisStore
from idp.domain import transaction
from idp.protocol import logout
from idp.services import services
from support import decode_jwt, make_relying_party, query

COOKIE = "idp_sso"
IDLE = 300
ABSOLUTE = 1000
BCL_URI = "http://127.0.0.1:9/backchannel"


@pytest.fixture
def settings_overrides():
    return {"session": {"idle_timeout": IDLE, "absolute_timeout": ABSOLUTE}}


def sweep() -> int:
    """One sweep as the worker's pass runs it: its back-channel notices queue at the commit."""
    ended = logout.sweep_expired_sessions()
    transaction.commit()
    return ended


def sso_cookie(browser) -> str | None:
    cookie = browser.http.get_cookie(COOKIE)
    return cookie.value if cookie is not None else None


def prompt_none(browser, rp) -> dict:
    response = browser.authorize(rp, prompt="none")
    assert response.status_code == 302 and response.location.startswith(rp.redirect_uri)
    return query(response.location)


def alive(browser, rp) -> bool:
    callback = prompt_none(browser, rp)
    if "code" in callback:
        return True
    assert callback["error"] == "login_required"
    return False


def store_strings(store) -> list[str]:
    """Every key and every value in the store, as the server would see them."""
    out: list[str] = []
    if isinstance(store, RedisStore):
        for key in store.r.scan_iter(match=store.prefix + "*"):
            out.append(key)
            kind = store.r.type(key)
            if kind == "string":
                out.append(store.r.get(key))
            elif kind == "set":
                out.extend(store.r.smembers(key))
            elif kind == "zset":
                out.extend(store.r.zrange(key, 0, -1))
    else:
        for key, value in store._data.items():
            out.append(key)
            out.extend(value if isinstance(value, (set, dict)) else [value])
    return [str(s) for s in out]


# --- the cookie ---------------------------------------------------------------------------


def test_sso_cookie_attributes(browser, rp, user):
    response = browser.authorize(rp)
    response = browser.login(response)
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE + "=")]
    assert len(headers) == 1
    attributes = [a.strip() for a in headers[0].split(";")]
    lowered = [a.lower() for a in attributes]
    assert "httponly" in lowered
    assert "samesite=lax" in lowered
    assert "path=/" in lowered
    assert f"max-age={ABSOLUTE}" in lowered
    assert not any(a.startswith("domain=") for a in lowered)  # host-only
    value = attributes[0].split("=", 1)[1]
    assert len(value) >= 32 and value == sso_cookie(browser)
    assert str(user.id) != value and user.sub not in value


def test_sso_cookie_opaque_and_hashed_in_store(browser, rp, user, store):
    id_token = browser.tokens_for(rp)["id_token"]
    cookie = sso_cookie(browser)
    assert not any(cookie in s for s in store_strings(store))  # never stored verbatim
    key = hashlib.sha256(cookie.encode()).hexdigest()
    raw = store.get(f"sso:{key}")
    assert raw is not None
    session = json.loads(raw)
    assert session["user_id"] == user.id
    assert session["sid"] == decode_jwt(id_token)["sid"]
    assert session["auth_time"] == decode_jwt(id_token)["auth_time"]
    if isinstance(store, RedisStore):
        assert store.r.exists(store.prefix + f"sso:{key}") == 1


def test_sso_cookie_unknown_or_oversized_value_is_no_session(browser, rp, user):
    browser.http.set_cookie(COOKIE, "not-a-session")
    assert not alive(browser, rp)
    browser.http.set_cookie(COOKIE, "x" * 4000)
    assert not alive(browser, rp)


def test_session_fixation_cookie_set_before_login_is_replaced(browser, rp, user, store):
    planted = "attacker-planted-cookie-value-0123456789abcdef"
    browser.http.set_cookie(COOKIE, planted)
    browser.sign_in(rp)
    cookie = sso_cookie(browser)
    assert cookie and cookie != planted
    assert store.get("sso:" + hashlib.sha256(planted.encode()).hexdigest()) is None
    # The attacker's browser with the planted value is not signed in.
    other = type(browser)(browser.app)
    other.http.set_cookie(COOKIE, planted)
    assert not alive(other, rp)


def test_session_fixation_new_cookie_at_every_login(browser, rp, user):
    first_sid = decode_jwt(browser.tokens_for(rp)["id_token"])["sid"]
    first = sso_cookie(browser)
    second_sid = decode_jwt(browser.tokens_for(rp, prompt="login")["id_token"])["sid"]
    second = sso_cookie(browser)
    assert second != first and second_sid != first_sid
    assert alive(browser, rp)
    browser.http.set_cookie(COOKIE, first)
    assert not alive(browser, rp)  # the old session ended at the new login


def test_sso_session_shared_across_clients(browser, rp, user):
    """One login serves a second client without a login page (SSO), with the same sid."""
    other = make_relying_party(name="第二个应用", redirect_uri="https://two.example.test/cb")
    sid = decode_jwt(browser.tokens_for(rp)["id_token"])["sid"]
    response = browser.authorize(other)
    assert "/login" not in (response.location or "")
    assert decode_jwt(browser.tokens_for(other)["id_token"])["sid"] == sid


# --- timeouts -----------------------------------------------------------------------------


def test_sso_session_idle_timeout(browser, rp, user, clock):
    browser.sign_in(rp)
    clock.advance(IDLE - 1)
    assert alive(browser, rp)  # this use restarts the idle period
    clock.advance(IDLE - 1)
    assert alive(browser, rp)
    clock.advance(IDLE)
    assert prompt_none(browser, rp)["error"] == "login_required"
    response = browser.authorize(rp)
    assert response.status_code == 302 and "/login" in response.location
    assert browser.http.get("/account").location.endswith("/login")


def test_sso_session_absolute_timeout(browser, rp, user, clock):
    browser.sign_in(rp)
    for _ in range(4):
        clock.advance(200)
        assert alive(browser, rp)  # activity keeps it alive ...
    clock.advance(199)
    assert alive(browser, rp)
    clock.advance(1)  # ... but not past the absolute timeout
    assert prompt_none(browser, rp)["error"] == "login_required"


def test_sso_session_login_again_after_expiry(browser, rp, user, clock):
    first_sid = decode_jwt(browser.tokens_for(rp)["id_token"])["sid"]
    clock.advance(IDLE)
    assert not alive(browser, rp)
    claims = decode_jwt(browser.tokens_for(rp)["id_token"])
    assert claims["sid"] != first_sid and claims["auth_time"] == int(clock.now())
    assert alive(browser, rp)


def test_sso_session_max_age_uses_auth_time_not_activity(browser, rp, user, clock):
    """Touching the session does not refresh auth_time (OIDC Core §3.1.2.1 max_age)."""
    auth_time = decode_jwt(browser.tokens_for(rp)["id_token"])["auth_time"]
    clock.advance(200)
    assert alive(browser, rp)
    callback = query(browser.authorize(rp, prompt="none", max_age="100").location)
    assert callback["error"] == "login_required"
    clock.advance(50)
    assert decode_jwt(browser.tokens_for(rp)["id_token"])["auth_time"] == auth_time


# --- expiry sweep and back-channel notices -------------------------------------------------


@pytest.mark.parametrize("timeout", ["idle", "absolute"])
def test_backchannel_logout_on_session_expiry(browser, user, sender, clock, timeout):
    bcl = make_relying_party(
        name="带后端通道的应用",
        redirect_uri="https://a.example.test/cb",
        backchannel_logout_uri=BCL_URI,
    )
    plain = make_relying_party(name="普通应用", redirect_uri="https://c.example.test/cb")
    sid = decode_jwt(browser.tokens_for(bcl)["id_token"])["sid"]
    browser.sign_in(plain)

    if timeout == "idle":
        clock.advance(IDLE - 1)
        assert sweep() == 0
        clock.advance(1)
    else:
        for _ in range(4):
            clock.advance(200)
            assert alive(browser, plain)
            assert sweep() == 0
        clock.advance(ABSOLUTE - 800 - 1)
        assert sweep() == 0
        clock.advance(1)
    assert logout.deliver_due() == 0 and sender.sent == []

    assert sweep() == 1
    assert sender.sent == []  # queued, not sent by the sweep itself
    assert logout.deliver_due() == 1
    url, form = sender.sent[0]
    claims = decode_jwt(form["logout_token"])
    assert url == BCL_URI
    assert (claims["sub"], claims["sid"], claims["aud"]) == (user.sub, sid, bcl.client_id)

    assert sweep() == 0  # ended once
    clock.advance(3600)
    assert logout.deliver_due() == 0 and len(sender.sent) == 1
    assert not alive(browser, bcl)


def test_session_sweep_spares_active_session(browser, user, sender, clock):
    bcl = make_relying_party(
        name="带后端通道的应用",
        redirect_uri="https://a.example.test/cb",
        backchannel_logout_uri=BCL_URI,
    )
    browser.sign_in(bcl)
    clock.advance(200)
    assert alive(browser, bcl)
    clock.advance(150)  # past the deadline the login set, not past the one activity set
    assert sweep() == 0
    assert alive(browser, bcl)
    assert logout.deliver_due() == 0 and sender.sent == []


def test_session_sweep_ignores_sessions_already_ended(browser, rp, user, sender, clock):
    bcl = make_relying_party(
        name="带后端通道的应用",
        redirect_uri="https://a.example.test/cb",
        backchannel_logout_uri=BCL_URI,
    )
    id_token = browser.tokens_for(bcl)["id_token"]
    browser.http.get("/logout", query_string={"id_token_hint": id_token})
    clock.advance(ABSOLUTE + 1)
    assert sweep() == 0
    assert logout.deliver_due() == 1 and len(sender.sent) == 1  # the logout's notice only


def test_sweep_ends_every_expired_session(app, user, sender, clock):
    """Sessions of several browsers expire together; each is ended and its clients told."""
    from support import Browser, make_user

    bcl = make_relying_party(
        name="带后端通道的应用",
        redirect_uri="https://a.example.test/cb",
        backchannel_logout_uri=BCL_URI,
    )
    make_user(phone="13900139000", name="李四")
    sids = set()
    for phone in ("13800138000", "13900139000", "13800138000"):
        sids.add(decode_jwt(Browser(app).tokens_for(bcl, identifier=phone)["id_token"])["sid"])
    clock.advance(IDLE)
    assert services().sessions.due_for_expiry()  # found by the sorted set
    assert sweep() == 3
    assert logout.deliver_due() == 3
    assert {decode_jwt(form["logout_token"])["sid"] for _, form in sender.sent} == sids
