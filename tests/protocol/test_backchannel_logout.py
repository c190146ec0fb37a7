"""OpenID Connect Back-Channel Logout 1.0: logout tokens (§2.4), delivery (§2.5), validation (§2.6).

Mirrors the OIDF ``oidcc-backchannel-rp-initiated-logout`` module. When an SSO session ends,
every client it signed into that registered a ``backchannel_logout_uri`` gets one POST with a
``logout_token`` form field. Notices are queued and sent by ``logout.deliver_due()`` (the
background worker), never while the user's page waits; failures are retried with a growing
delay up to ``logout.backchannel_max_attempts``.
"""

from __future__ import annotations

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from idp.protocol import logout
from support import decode_jwt, make_relying_party, make_user, query

COOKIE = "idp_sso"
EVENT = "http://schemas.openid.net/event/backchannel-logout"
ISSUER = "http://127.0.0.1:5000"
MAX_ATTEMPTS = 3
OTHER_PHONE = "13900139000"


@pytest.fixture
def settings_overrides():
    return {"logout": {"backchannel_max_attempts": MAX_ATTEMPTS}}


@pytest.fixture
def parties(app):
    """Two clients with a back-channel logout URI and one without."""
    a = make_relying_party(
        name="应用甲",
        redirect_uri="https://a.example.test/cb",
        backchannel_logout_uri="http://127.0.0.1:9/a/backchannel",
    )
    b = make_relying_party(
        name="应用乙",
        redirect_uri="https://b.example.test/cb",
        backchannel_logout_uri="http://localhost:9/b/backchannel",
    )
    plain = make_relying_party(name="应用丙", redirect_uri="https://c.example.test/cb")
    return a, b, plain


URI = {0: "http://127.0.0.1:9/a/backchannel", 1: "http://localhost:9/b/backchannel"}


def verify_logout_token(browser, token: str) -> tuple[dict, dict]:
    """§2.6 steps 1–4 as a relying party would: signature against /jwks, then the claims."""
    jwks = browser.http.get("/jwks").get_json()
    decoded = jwt.decode(token, KeySet.import_key_set(jwks), algorithms=["RS256", "ES256"])
    return decoded.header, decoded.claims


def assert_valid_logout_token(browser, token, *, client_id, sub, sid, now):
    header, claims = verify_logout_token(browser, token)
    assert header["typ"] == "logout+jwt"
    assert header["alg"] in ("RS256", "ES256") and header.get("kid")
    assert claims["iss"] == ISSUER
    assert claims["aud"] == client_id or claims["aud"] == [client_id]
    assert claims["iat"] == int(now)
    assert claims["exp"] > claims["iat"]
    assert isinstance(claims["jti"], str) and len(claims["jti"]) >= 16
    assert claims["sub"] == sub
    assert claims["sid"] == sid
    assert claims["events"] == {EVENT: {}}
    assert "nonce" not in claims
    return claims


def sign_into(browser, rp, **kw) -> dict:
    """Sign in (SSO after the first) and return the ID token claims for this client."""
    return decode_jwt(browser.tokens_for(rp, **kw)["id_token"])


def rp_logout(browser, rp, id_token: str):
    return browser.http.get(
        "/logout",
        query_string={
            "id_token_hint": id_token,
            "post_logout_redirect_uri": "https://rp.example.test/logged-out",
            "state": "bye",
        },
    )


def test_oidcc_backchannel_rp_initiated_logout(browser, user, parties, sender, clock):
    a, b, plain = parties
    tokens_a = browser.tokens_for(a)
    sid_by_client = {
        a.client_id: decode_jwt(tokens_a["id_token"])["sid"],
        b.client_id: sign_into(browser, b)["sid"],
    }
    sign_into(browser, plain)
    # One SSO session: one sid for every client (§2.1 sid per OP session).
    assert len(set(sid_by_client.values())) == 1

    response = rp_logout(browser, a, tokens_a["id_token"])
    assert response.status_code == 302
    assert sender.sent == []  # the user's page does not wait on relying parties

    clock.advance(1)
    assert logout.deliver_due() == 2
    assert sorted(url for url, _ in sender.sent) == sorted(URI.values())
    jtis = set()
    for url, form in sender.sent:
        assert set(form) == {"logout_token"}
        client_id = a.client_id if url == URI[0] else b.client_id
        claims = assert_valid_logout_token(
            browser,
            form["logout_token"],
            client_id=client_id,
            sub=user.sub,
            sid=sid_by_client[client_id],
            now=clock.now(),
        )
        jtis.add(claims["jti"])
    assert len(jtis) == 2

    clock.advance(3600)
    assert logout.deliver_due() == 0 and len(sender.sent) == 2  # each notice sent once


def test_backchannel_logout_nothing_queued_without_backchannel_clients(browser, user, sender):
    plain = make_relying_party(name="普通应用")
    id_token = browser.tokens_for(plain)["id_token"]
    assert rp_logout(browser, plain, id_token).status_code == 302
    assert logout.deliver_due() == 0 and sender.sent == []


def test_backchannel_logout_only_clients_of_the_session(app, browser, user, parties, sender):
    """A client the user never signed into in this session is not told."""
    a, b, _ = parties
    id_token = browser.tokens_for(a)["id_token"]
    rp_logout(browser, a, id_token)
    assert logout.deliver_due() == 1
    assert [url for url, _ in sender.sent] == [URI[0]]


def test_backchannel_logout_retry_on_error_status(browser, user, parties, sender, clock):
    a, _, _ = parties
    id_token = browser.tokens_for(a)["id_token"]
    rp_logout(browser, a, id_token)
    sender.status = 500
    assert logout.deliver_due() == 0
    assert len(sender.sent) == 1

    assert logout.deliver_due() == 0 and len(sender.sent) == 1  # not re-sent at once
    clock.advance(9)
    assert logout.deliver_due() == 0 and len(sender.sent) == 1  # retry delay is 10 s
    clock.advance(1)
    sender.status = 200
    assert logout.deliver_due() == 1 and len(sender.sent) == 2
    first, second = (decode_jwt(form["logout_token"]) for _, form in sender.sent)
    assert (first["sub"], first["sid"], first["aud"]) == (
        second["sub"],
        second["sid"],
        second["aud"],
    )

    clock.advance(86400)
    assert logout.deliver_due() == 0 and len(sender.sent) == 2  # delivered: gone from the queue


def test_backchannel_logout_retry_on_network_error(browser, user, parties, sender, clock):
    a, _, _ = parties
    id_token = browser.tokens_for(a)["id_token"]
    rp_logout(browser, a, id_token)
    sender.status = ConnectionError("connection refused")
    assert logout.deliver_due() == 0 and len(sender.sent) == 1
    clock.advance(10)
    sender.status = 204
    assert logout.deliver_due() == 1 and len(sender.sent) == 2
    clock.advance(86400)
    assert logout.deliver_due() == 0 and len(sender.sent) == 2


def test_backchannel_logout_redirect_status_is_a_failure(browser, user, parties, sender, clock):
    """§2.8: the RP answers 200 (or 204); a redirect is not a successful delivery."""
    a, _, _ = parties
    rp_logout(browser, a, browser.tokens_for(a)["id_token"])
    sender.status = 302
    assert logout.deliver_due() == 0
    clock.advance(10)
    sender.status = 200
    assert logout.deliver_due() == 1 and len(sender.sent) == 2


def test_backchannel_logout_retry_delay_grows_and_gives_up(browser, user, parties, sender, clock):
    a, _, _ = parties
    rp_logout(browser, a, browser.tokens_for(a)["id_token"])
    sender.status = 503
    assert logout.deliver_due() == 0 and len(sender.sent) == 1  # attempt 1
    clock.advance(10)
    assert logout.deliver_due() == 0 and len(sender.sent) == 2  # attempt 2, after 10 s
    clock.advance(19)
    assert logout.deliver_due() == 0 and len(sender.sent) == 2  # next delay doubled to 20 s
    clock.advance(1)
    assert logout.deliver_due() == 0 and len(sender.sent) == 3  # attempt 3 = max: abandoned
    sender.status = 200
    for _ in range(5):
        clock.advance(3600)
        assert logout.deliver_due() == 0
    assert len(sender.sent) == MAX_ATTEMPTS


def test_backchannel_logout_failure_of_one_client_does_not_hold_others(
    browser, user, parties, sender, clock
):
    a, b, _ = parties
    id_token = browser.tokens_for(a)["id_token"]
    browser.tokens_for(b)

    class Selective:
        def __init__(self):
            self.sent = []

        def post_form(self, url, data, timeout):
            self.sent.append(url)
            if url == URI[0]:
                raise TimeoutError("timed out")
            return 200

    from idp.services import services

    selective = Selective()
    services().sender = selective
    rp_logout(browser, a, id_token)
    assert logout.deliver_due() == 1
    assert sorted(selective.sent) == sorted(URI.values())
    clock.advance(10)
    assert logout.deliver_due() == 0
    assert selective.sent[2:] == [URI[0]]  # only the failed one is retried


def test_backchannel_logout_from_personal_center(browser, user, parties, sender):
    a, b, plain = parties
    sid = sign_into(browser, a)["sid"]
    sign_into(browser, plain)
    page = browser.http.get("/logout/start")
    assert page.status_code == 200
    done = browser.submit(page)
    assert done.status_code == 200 and "您已安全退出" in done.get_data(as_text=True)
    assert sender.sent == []
    assert logout.deliver_due() == 1
    url, form = sender.sent[0]
    claims = decode_jwt(form["logout_token"])
    assert url == URI[0] and claims["sub"] == user.sub and claims["sid"] == sid
    assert claims["aud"] == a.client_id


def test_backchannel_logout_from_confirmation_page(browser, user, parties, sender):
    """RP-initiated logout without a hint: the notices go out once the user confirms."""
    a, _, _ = parties
    sid = sign_into(browser, a)["sid"]
    page = browser.http.get("/logout", query_string={"client_id": a.client_id})
    assert page.status_code == 200
    assert logout.deliver_due() == 0 and sender.sent == []  # nothing ended yet
    browser.submit(page)
    assert logout.deliver_due() == 1
    assert decode_jwt(sender.sent[0][1]["logout_token"])["sid"] == sid


@pytest.mark.parametrize("via", ["authorize", "personal_center"])
def test_backchannel_logout_on_relogin_as_another_user(browser, user, parties, sender, via):
    """A second login in the same browser ends the first user's session and tells its clients."""
    a, b, _ = parties
    second = make_user(phone=OTHER_PHONE, name="李四")
    first_sid = sign_into(browser, a)["sid"]
    first_cookie = browser.http.get_cookie(COOKIE).value

    if via == "authorize":
        claims = sign_into(browser, b, identifier=OTHER_PHONE, prompt="login")
        assert claims["sub"] == second.sub and claims["sid"] != first_sid
    else:
        page = browser.http.get("/login")
        response = browser.submit(page, identifier=OTHER_PHONE, password="Correct-horse-9")
        assert response.status_code == 302 and response.location.endswith("/account")

    assert logout.deliver_due() == 1
    url, form = sender.sent[0]
    claims = decode_jwt(form["logout_token"])
    assert url == URI[0]
    assert (claims["sub"], claims["sid"], claims["aud"]) == (user.sub, first_sid, a.client_id)

    # The first user's session is gone even if its cookie is replayed.
    browser.http.set_cookie(COOKIE, first_cookie)
    callback = query(browser.authorize(a, prompt="none").location)
    assert callback["error"] == "login_required"


def test_backchannel_logout_same_session_ended_once(browser, user, parties, sender):
    """Logging out twice (two tabs) produces one notice per client, not two."""
    a, _, _ = parties
    id_token = browser.tokens_for(a)["id_token"]
    cookie = browser.http.get_cookie(COOKIE).value
    rp_logout(browser, a, id_token)
    browser.http.set_cookie(COOKIE, cookie)
    rp_logout(browser, a, id_token)
    assert logout.deliver_due() == 1 and len(sender.sent) == 1


def test_backchannel_logout_client_removed_uri_drops_notice(app, browser, user, parties, sender):
    """If the client no longer has a back-channel URI when the notice is due, it is dropped."""
    from idp.domain.clients import registry as clients
    from idp.extensions import db

    a, _, _ = parties
    rp_logout(browser, a, browser.tokens_for(a)["id_token"])
    clients.get(a.client_id).backchannel_logout_uri = None
    db.session.commit()
    assert logout.deliver_due() == 0 and sender.sent == []


def test_r3_signing_out_of_one_subsystem_signs_out_of_all(browser, user, parties, sender, clock):
    """R3 single logout: leaving subsystem A ends the one SSO session, every subsystem signed
    in through it is told (back-channel), and none gets a code without a new login."""
    a, b, plain = parties
    tokens_a = browser.tokens_for(a)
    sign_into(browser, b)
    sign_into(browser, plain)
    assert rp_logout(browser, a, tokens_a["id_token"]).status_code == 302
    clock.advance(1)
    logout.deliver_due()
    assert sorted(url for url, _ in sender.sent) == sorted(URI.values())
    for rp in (a, b, plain):  # prompt=none: no live session anywhere any more
        again = browser.authorize(rp, prompt="none")
        assert query(again.headers["Location"])["error"] == "login_required"
