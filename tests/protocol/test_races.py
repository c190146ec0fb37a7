"""Concurrency: single use under parallel requests.

RFC 6749 §4.1.2 (a code is used once), RFC 9700 §4.14.2 (a refresh token is used once; a
second use is reuse). N threads, each with its own test client (so its own app context and
database session), start together at a barrier. Within the retry grace (issue 11) parallel
presentations of one code or refresh token are retries: they all get the one set of tokens a
single winner issued. With the grace off exactly one may win.
"""

from __future__ import annotations

import secrets
import threading

import pytest
from joserfc import jwk, jwt

from support import make_relying_party

THREADS = 8
OFFLINE = "openid profile offline_access"


def race(app, send) -> list:
    """Run ``send(http)`` in THREADS threads released together; return the responses."""
    barrier = threading.Barrier(THREADS)
    results: list = [None] * THREADS

    def worker(i):
        http = app.test_client()
        try:
            barrier.wait(timeout=30)
            results[i] = send(http)
        except BaseException as exc:  # surfaced by the assertion below
            results[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    return results


def statuses(results) -> list[int]:
    return sorted(r.status_code for r in results)


NO_GRACE = {"protocol": {"retry_grace": 0}}


def only_one_token_row() -> None:
    from idp.domain.models import Token
    from idp.extensions import db

    assert db.session.query(Token).count() == 1


def test_oidcc_code_presented_concurrently_gives_one_set_of_tokens(app, browser, rp, user):
    """Within the grace the parallel presentations are retries of one exchange: every answer
    carries the same tokens, of one row, and the grant stays live."""
    callback = browser.sign_in(rp, scope=OFFLINE)
    data, headers = rp.auth(
        dict(
            grant_type="authorization_code",
            code=callback["code"],
            redirect_uri=rp.redirect_uri,
            code_verifier=browser.verifier,
        )
    )
    results = race(app, lambda http: http.post("/token", data=data, headers=headers))
    assert statuses(results) == [200] * THREADS, [r.get_data(as_text=True) for r in results]
    bodies = [r.get_json() for r in results]
    assert len({(b["access_token"], b["refresh_token"]) for b in bodies}) == 1
    only_one_token_row()
    again = browser.token(rp, grant_type="refresh_token", refresh_token=bodies[0]["refresh_token"])
    assert again.status_code == 200, again.get_data(as_text=True)


@pytest.mark.parametrize("settings_overrides", [NO_GRACE])
def test_oidcc_codereuse_concurrent(app, browser, rp, user):
    callback = browser.sign_in(rp)
    data, headers = rp.auth(
        dict(
            grant_type="authorization_code",
            code=callback["code"],
            redirect_uri=rp.redirect_uri,
            code_verifier=browser.verifier,
        )
    )
    results = race(app, lambda http: http.post("/token", data=data, headers=headers))
    assert statuses(results) == [200] + [400] * (THREADS - 1), [
        r.get_data(as_text=True) for r in results
    ]
    refused = [r.get_json()["error"] for r in results if r.status_code != 200]
    assert set(refused) == {"invalid_grant"}
    winners = [r.get_json() for r in results if r.status_code == 200]
    assert winners[0]["access_token"] and winners[0]["id_token"]


def test_rfc9700_refresh_presented_concurrently_gives_one_successor(app, browser, rp, user):
    """Within the grace the losers are retries: each gets the winner's successor, the family
    lives and the successor rotates as usual."""
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    data, headers = rp.auth(dict(grant_type="refresh_token", refresh_token=tokens["refresh_token"]))
    results = race(app, lambda http: http.post("/token", data=data, headers=headers))
    assert statuses(results) == [200] * THREADS, [r.get_data(as_text=True) for r in results]
    bodies = [r.get_json() for r in results]
    assert len({(b["access_token"], b["refresh_token"]) for b in bodies}) == 1
    again = browser.token(rp, grant_type="refresh_token", refresh_token=bodies[0]["refresh_token"])
    assert again.status_code == 200, again.get_data(as_text=True)


@pytest.mark.parametrize("settings_overrides", [NO_GRACE])
def test_rfc9700_refresh_concurrent(app, browser, rp, user):
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    data, headers = rp.auth(dict(grant_type="refresh_token", refresh_token=tokens["refresh_token"]))
    results = race(app, lambda http: http.post("/token", data=data, headers=headers))
    assert statuses(results) == [200] + [400] * (THREADS - 1), [
        r.get_data(as_text=True) for r in results
    ]
    refused = [r.get_json()["error"] for r in results if r.status_code != 200]
    assert set(refused) == {"invalid_grant"}


@pytest.mark.parametrize("settings_overrides", [NO_GRACE])
def test_rfc9700_refresh_concurrent_reuse_revokes_the_winner_too(app, browser, rp, user):
    """Without a grace the losers present a token that has been rotated: that is reuse, and the
    family — including whatever the winner was issued, however the requests interleaved — is
    revoked."""
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    data, headers = rp.auth(dict(grant_type="refresh_token", refresh_token=tokens["refresh_token"]))
    results = race(app, lambda http: http.post("/token", data=data, headers=headers))
    winner = [r.get_json() for r in results if r.status_code == 200]
    assert len(winner) == 1
    again = browser.token(rp, grant_type="refresh_token", refresh_token=winner[0]["refresh_token"])
    assert again.status_code == 400 and again.get_json()["error"] == "invalid_grant"
    info = browser.http.get(
        "/userinfo", headers={"Authorization": "Bearer " + winner[0]["access_token"]}
    )
    assert info.status_code == 401


def test_rfc9700_concurrent_refresh_of_different_grants(app, browser, rp, user):
    """Parallel refreshes of distinct grants all succeed: nothing here is global."""
    grants = [browser.tokens_for(rp, scope=OFFLINE)["refresh_token"] for _ in range(THREADS)]
    counter = iter(range(THREADS))
    lock = threading.Lock()

    def send(http):
        with lock:
            value = grants[next(counter)]
        data, headers = rp.auth(dict(grant_type="refresh_token", refresh_token=value))
        return http.post("/token", data=data, headers=headers)

    results = race(app, send)
    assert statuses(results) == [200] * THREADS, [r.get_data(as_text=True) for r in results]


def test_rfc7523_private_key_jwt_jti_concurrent(app, browser, user, clock):
    """One client assertion sent in parallel authenticates exactly once (jti replay)."""
    key = jwk.generate_key("RSA", 2048, parameters={"alg": "RS256", "use": "sig"}, auto_kid=True)
    rp = make_relying_party(
        name="私钥认证应用",
        auth_method="private_key_jwt",
        jwks={"keys": [key.as_dict(private=False)]},
    )
    now = int(clock.now())
    claims = {
        "iss": rp.client_id,
        "sub": rp.client_id,
        "aud": "http://127.0.0.1:5000/token",
        "iat": now,
        "exp": now + 60,
        "jti": secrets.token_urlsafe(16),
    }
    assertion = jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)
    codes = []
    for _ in range(THREADS):
        callback = browser.sign_in(rp)
        codes.append((callback["code"], browser.verifier))
    counter = iter(range(THREADS))
    lock = threading.Lock()

    def send(http):
        with lock:
            code, verifier = codes[next(counter)]
        return http.post(
            "/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": rp.redirect_uri,
                "code_verifier": verifier,
                "client_assertion": assertion,
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            },
        )

    results = race(app, send)
    assert statuses(results) == [200] + [400] * (THREADS - 1), [
        r.get_data(as_text=True) for r in results
    ]
    assert {r.get_json()["error"] for r in results if r.status_code != 200} == {"invalid_client"}
