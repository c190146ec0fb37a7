"""A fault never turns a correct retry into "reuse" (issue 11; RFC 9700 §4.14.2).

A client whose token response was lost after the server committed (a cut connection, a 503
from a fault after the rotation, a proxy timeout) presents the same refresh token or code
again. Within ``protocol.retry_grace`` (30 s) and while what it was given is unused, it gets
the same tokens back and nothing new is issued; a store or database fault at any point of the
request answers 503 and the retry succeeds; no family is revoked. What stays reuse: a
presentation after the grace, after the successor was used, of a revoked family. What revokes
nothing at all: another client, or a code's replay without the right PKCE verifier.

Faults are made on demand: ``FaultyStore`` fails one chosen store call, before it runs (the
command never reached Redis) or after (it ran and the answer was lost); ``failing_statement``
fails one SQL statement; ``commit_then_lose_the_answer`` commits and then raises what a
connection cut during COMMIT raises. Races (20 parallel presentations) run on PostgreSQL.
"""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from idp.adapters.store import StoreUnavailable
from idp.domain import transaction
from idp.domain.crypto import token_hash
from idp.domain.models import Token
from idp.extensions import db
from idp.protocol import keys
from idp.services import services
from support import make_relying_party, pkce_pair

OFFLINE = "openid profile offline_access"
GRACE = 30


# --- helpers ---------------------------------------------------------------------------------


def refresh(browser, rp, value: str, **extra):
    return browser.token(rp, grant_type="refresh_token", refresh_token=value, **extra)


def ok(response) -> dict:
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def refused(response, error: str = "invalid_grant") -> None:
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["error"] == error
    assert "access_token" not in response.get_json()


def unavailable(response) -> None:
    """A 503 whose ``Retry-After`` brings an obedient client back within the grace."""
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.get_json()["error"] == "temporarily_unavailable"
    assert 0 < int(response.headers["Retry-After"]) < services().settings.protocol.retry_grace


def live(browser, access_token: str) -> bool:
    response = browser.http.get("/userinfo", headers={"Authorization": "Bearer " + access_token})
    assert response.status_code in (200, 401)
    return response.status_code == 200


def same_tokens(a: dict, b: dict) -> bool:
    return a["access_token"] == b["access_token"] and a.get("refresh_token") == b.get(
        "refresh_token"
    )


def rows() -> list[Token]:
    db.session.expire_all()
    return list(db.session.scalars(select(Token).order_by(Token.id)))


def revoked_families() -> set[str]:
    """Families with a revoked row or a revocation marker in the store."""
    store = services().store
    store = getattr(store, "store", store)  # past a FaultyStore
    return {
        row.family_id
        for row in rows()
        if row.revoked_at is not None or store.get(f"family-revoked:{row.family_id}")
    }


def check_keys_in_the_store() -> None:
    """The signing-key cache asks the store at most once a second (``keys._refresh``); make
    the next request ask, so every request sends the same store calls."""
    cache = services().keys_cache
    if cache is not None:
        cache.checked = float("-inf")


class FaultyStore:
    """The real store, with one chosen call failing: ``before`` it runs (the command never
    reached the store) or after it ran (the answer was lost on the way back)."""

    def __init__(self, store):
        self.store = store
        self.calls: list[tuple[str, str]] = []
        self.fail_at: int | None = None
        self.after = False

    def arm(self, fail_at: int | None, after: bool = False) -> None:
        self.calls, self.fail_at, self.after = [], fail_at, after

    def __getattr__(self, name):
        method = getattr(self.store, name)

        def call(*args, **kwargs):
            index = len(self.calls)
            self.calls.append((name, str(args[0]) if args else ""))
            if index == self.fail_at and not self.after:
                raise StoreUnavailable(f"injected fault before {name}")
            result = method(*args, **kwargs)
            if index == self.fail_at:
                raise StoreUnavailable(f"injected fault after {name}")
            return result

        return call


@pytest.fixture
def faulty(app):
    store = FaultyStore(services().store)
    services().store = store
    yield store
    services().store = store.store


def store_calls(faulty: FaultyStore, send) -> list[tuple[str, str]]:
    """The store calls one request makes when nothing fails."""
    check_keys_in_the_store()
    faulty.arm(None)
    ok(send())
    return list(faulty.calls)


def commit_then_lose_the_answer(monkeypatch) -> None:
    """The next request's COMMIT reaches the database, then the connection is cut before its
    answer arrives: psycopg raises OperationalError, the client gets a 503."""
    real = transaction.commit

    def commit():
        monkeypatch.setattr(transaction, "commit", real)
        real()
        raise OperationalError("COMMIT", {}, ConnectionError("server closed the connection"))

    monkeypatch.setattr(transaction, "commit", commit)


class failing_statement:
    """``with failing_statement("INSERT INTO tokens"):`` the first statement starting so fails
    as a database that went away does."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.fired = False

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        if not self.fired and statement.startswith(self.prefix):
            self.fired = True
            raise OperationalError(statement, parameters, ConnectionError("connection lost"))

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._before)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._before)


# --- refresh ---------------------------------------------------------------------------------


def test_refresh_retry_after_lost_response_returns_the_same_successor(browser, rp, user, clock):
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    lost = ok(refresh(browser, rp, tokens["refresh_token"]))  # the client never sees it
    clock.advance(GRACE - 1)
    again = ok(refresh(browser, rp, tokens["refresh_token"]))
    assert same_tokens(again, lost)
    assert again["expires_in"] == lost["expires_in"] - (GRACE - 1)  # what is left
    assert again["scope"] == lost["scope"] and again["id_token"]
    assert len(rows()) == 2  # nothing new was inserted
    assert live(browser, again["access_token"])
    assert revoked_families() == set()
    ok(refresh(browser, rp, again["refresh_token"]))  # the successor rotates as usual


def test_refresh_retry_after_a_commit_whose_answer_was_lost_returns_the_committed_successor(
    browser, rp, user, monkeypatch
):
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    commit_then_lose_the_answer(monkeypatch)
    unavailable(refresh(browser, rp, tokens["refresh_token"]))
    successor = rows()[-1]
    assert successor.rotated_at is None and rows()[0].rotated_at is not None  # committed
    again = ok(refresh(browser, rp, tokens["refresh_token"]))
    assert token_hash(again["refresh_token"]) == successor.refresh_token_hash
    assert token_hash(again["access_token"]) == successor.access_token_hash
    assert len(rows()) == 2
    assert revoked_families() == set()
    ok(refresh(browser, rp, again["refresh_token"]))


def test_refresh_database_fault_before_the_commit_answers_503_and_the_retry_rotates(
    browser, rp, user
):
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    with failing_statement("INSERT INTO tokens"):
        unavailable(refresh(browser, rp, tokens["refresh_token"]))
    assert rows()[0].rotated_at is None  # the claim rolled back with the insert
    again = ok(refresh(browser, rp, tokens["refresh_token"]))
    assert live(browser, again["access_token"])
    assert revoked_families() == set()


def test_refresh_replay_after_the_successor_was_used_revokes_the_family(browser, rp, user):
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    first = ok(refresh(browser, rp, tokens["refresh_token"]))
    second = ok(refresh(browser, rp, first["refresh_token"]))
    refused(refresh(browser, rp, tokens["refresh_token"]))  # within the grace, but first is used
    assert not live(browser, second["access_token"])
    refused(refresh(browser, rp, second["refresh_token"]))


def test_refresh_replay_after_the_grace_revokes_the_family(browser, rp, user, clock):
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    first = ok(refresh(browser, rp, tokens["refresh_token"]))
    clock.advance(GRACE)
    refused(refresh(browser, rp, tokens["refresh_token"]))
    assert not live(browser, first["access_token"])
    refused(refresh(browser, rp, first["refresh_token"]))


def test_refresh_presented_by_another_client_is_refused_and_revokes_nothing(browser, rp, user):
    """RFC 6749 §6: a refresh token is bound to its client. Another client's presentation is
    invalid_grant, within the grace or not, and cannot end the owner's grant."""
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    other = make_relying_party(name="另一个应用")
    lost = ok(refresh(browser, rp, tokens["refresh_token"]))
    refused(refresh(browser, other, tokens["refresh_token"]))
    assert revoked_families() == set()
    assert same_tokens(ok(refresh(browser, rp, tokens["refresh_token"])), lost)


def test_refresh_retry_of_a_revoked_family_is_refused(browser, rp, user):
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    lost = ok(refresh(browser, rp, tokens["refresh_token"]))
    form, headers = rp.auth({"token": lost["refresh_token"], "token_type_hint": "refresh_token"})
    assert browser.http.post("/revoke", data=form, headers=headers).status_code == 200
    refused(refresh(browser, rp, tokens["refresh_token"]))
    assert not live(browser, lost["access_token"])


def test_refresh_retry_after_the_family_lifetime_ended_is_refused(browser, rp, user, clock):
    """The successor inherits the family's absolute lifetime: a retry after it ended gets no
    expired refresh token back."""
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    clock.advance(30 * 86400 - 10)
    ok(refresh(browser, rp, tokens["refresh_token"]))
    clock.advance(15)
    refused(refresh(browser, rp, tokens["refresh_token"]))


@pytest.mark.parametrize("settings_overrides", [{"protocol": {"retry_grace": 0}}])
def test_refresh_retry_with_the_grace_off_is_reuse(browser, rp, user):
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    lost = ok(refresh(browser, rp, tokens["refresh_token"]))
    refused(refresh(browser, rp, tokens["refresh_token"]))
    assert not live(browser, lost["access_token"])


def test_refresh_successors_are_derived_like_random_tokens(browser, rp, user):
    """48 letters and digits, as Authlib's generator makes them; different at each step."""
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    first = ok(refresh(browser, rp, tokens["refresh_token"]))
    second = ok(refresh(browser, rp, first["refresh_token"]))
    values = [t[k] for t in (tokens, first, second) for k in ("access_token", "refresh_token")]
    assert len(set(values)) == 6
    assert all(len(v) == 48 and v.isalnum() and v.isascii() for v in values)


@pytest.mark.parametrize("after", [False, True], ids=["call-lost", "answer-lost"])
def test_refresh_store_fault_at_each_call_answers_503_and_the_retry_succeeds(
    browser, rp, user, faulty, after
):
    """Each store call of a refresh fails in turn. Every call the request needs answers 503
    and leaves the refresh to a retry; the two it can do without — the signing keys' change
    check (cached keys serve, ``keys._refresh``) and the after-commit re-check of the family
    (``tokens._revoke_if_marked``) — are logged and the 200 stands, and a retry gets the same
    tokens. No family is revoked."""
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    calls = store_calls(faulty, lambda: refresh(browser, rp, tokens["refresh_token"]))
    assert [name for name, _ in calls] == ["get", "get", "get"], calls
    for index in range(len(calls)):
        tokens = browser.tokens_for(rp, scope=OFFLINE)
        first = fail_one_store_call(faulty, index, after)(
            lambda value=tokens["refresh_token"]: refresh(browser, rp, value)
        )
        if index in tolerated(calls):
            lost = ok(first)  # committed; the re-check's fault does not change the answer
            assert same_tokens(ok(refresh(browser, rp, tokens["refresh_token"])), lost)
        else:
            unavailable(first)
        again = ok(refresh(browser, rp, tokens["refresh_token"]))
        assert live(browser, again["access_token"])
        ok(refresh(browser, rp, again["refresh_token"]))
    assert revoked_families() == set()


def tolerated(calls: list[tuple[str, str]]) -> set[int]:
    """The store calls whose failure a token request survives: the signing keys' change check
    (the cached keys keep signing) and the last call, the after-commit re-check."""
    return {i for i, (_, key) in enumerate(calls) if key == keys.VERSION_KEY} | {len(calls) - 1}


def fail_one_store_call(faulty: FaultyStore, index: int, after: bool):
    """Send a request whose store call number ``index`` fails; the fault must have fired."""

    def send(request):
        check_keys_in_the_store()
        faulty.arm(index, after)
        try:
            response = request()
            assert len(faulty.calls) > index, (index, faulty.calls)
        finally:
            faulty.arm(None)
        return response

    return send


def test_store_fault_in_the_after_commit_recheck_keeps_the_200(browser, rp, user, faulty):
    """Issue 11 ("commits last, after every store read"): the one store read after the commit
    is the after-commit re-check, and its failure is logged; the committed 200 stands."""
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    check_keys_in_the_store()
    faulty.arm(2)  # family-revoked (save_token), keys:version (ID token), family-revoked (job)
    response = refresh(browser, rp, tokens["refresh_token"])
    assert faulty.calls[2] == ("get", f"family-revoked:{rows()[0].family_id}")
    body = ok(response)
    assert live(browser, body["access_token"])


# --- code exchange ---------------------------------------------------------------------------


def code_for(browser, rp, scope: str = OFFLINE) -> tuple[str, str]:
    """A fresh code and its PKCE verifier."""
    return browser.sign_in(rp, scope=scope)["code"], browser.verifier


def exchange(browser, rp, code: str, verifier: str | None, **extra):
    return browser.exchange(rp, code, code_verifier=verifier, **extra)


def test_code_retry_after_lost_response_returns_the_same_tokens(browser, rp, user, clock):
    code, verifier = code_for(browser, rp)
    lost = ok(exchange(browser, rp, code, verifier))
    clock.advance(GRACE - 1)
    again = ok(exchange(browser, rp, code, verifier))
    assert same_tokens(again, lost)
    assert again["expires_in"] == lost["expires_in"] - (GRACE - 1)
    assert again["id_token"]
    assert len(rows()) == 1
    assert live(browser, again["access_token"])
    ok(refresh(browser, rp, again["refresh_token"]))
    assert revoked_families() == set()


def test_code_retry_without_a_refresh_token_returns_the_same_access_token(browser, rp, user):
    code, verifier = code_for(browser, rp, scope="openid profile")
    lost = ok(exchange(browser, rp, code, verifier))
    again = ok(exchange(browser, rp, code, verifier))
    assert "refresh_token" not in again and same_tokens(again, lost)
    assert len(rows()) == 1 and live(browser, again["access_token"])


def test_code_retry_after_a_commit_whose_answer_was_lost_returns_the_committed_tokens(
    browser, rp, user, monkeypatch
):
    code, verifier = code_for(browser, rp)
    commit_then_lose_the_answer(monkeypatch)
    unavailable(exchange(browser, rp, code, verifier))
    [row] = rows()
    again = ok(exchange(browser, rp, code, verifier))
    assert token_hash(again["access_token"]) == row.access_token_hash
    assert token_hash(again["refresh_token"]) == row.refresh_token_hash
    assert len(rows()) == 1 and revoked_families() == set()


def test_code_retry_after_a_rolled_back_exchange_exchanges_it_again(browser, rp, user):
    """The code was taken from the store, then the database failed: nothing was issued, so
    the retry exchanges it again, in the same family."""
    code, verifier = code_for(browser, rp)
    with failing_statement("INSERT INTO tokens"):
        unavailable(exchange(browser, rp, code, verifier))
    assert rows() == []
    again = ok(exchange(browser, rp, code, verifier))
    assert live(browser, again["access_token"])
    ok(refresh(browser, rp, again["refresh_token"]))
    assert revoked_families() == set()


@pytest.mark.parametrize("wrong", ["other-verifier", "no-verifier"])
def test_code_replay_with_a_wrong_verifier_is_refused_and_revokes_nothing(browser, rp, user, wrong):
    """Without the verifier a stolen code's replay proves nothing: refused, and the victim's
    grant lives on (an attacker must not be able to end it); the client's own retry still
    works."""
    code, verifier = code_for(browser, rp)
    lost = ok(exchange(browser, rp, code, verifier))
    replay = pkce_pair()[0] if wrong == "other-verifier" else None
    refused(exchange(browser, rp, code, replay))
    assert live(browser, lost["access_token"])
    assert revoked_families() == set()
    assert same_tokens(ok(exchange(browser, rp, code, verifier)), lost)


def test_code_replay_by_another_client_is_refused_and_revokes_nothing(browser, rp, user):
    code, verifier = code_for(browser, rp)
    lost = ok(exchange(browser, rp, code, verifier))
    other = make_relying_party(name="另一个应用")
    refused(exchange(browser, other, code, verifier))
    assert live(browser, lost["access_token"]) and revoked_families() == set()


def test_code_replay_with_another_redirect_uri_is_refused_and_revokes_nothing(browser, rp, user):
    code, verifier = code_for(browser, rp)
    lost = ok(exchange(browser, rp, code, verifier))
    refused(exchange(browser, rp, code, verifier, redirect_uri="https://rp.example.test/other"))
    assert live(browser, lost["access_token"]) and revoked_families() == set()


def test_code_replay_after_the_grace_revokes_the_family(browser, rp, user, clock):
    code, verifier = code_for(browser, rp)
    lost = ok(exchange(browser, rp, code, verifier))
    clock.advance(GRACE)
    refused(exchange(browser, rp, code, verifier))
    assert not live(browser, lost["access_token"])
    refused(refresh(browser, rp, lost["refresh_token"]))


def test_code_replay_after_the_refresh_token_was_used_revokes_the_family(browser, rp, user):
    code, verifier = code_for(browser, rp)
    lost = ok(exchange(browser, rp, code, verifier))
    successor = ok(refresh(browser, rp, lost["refresh_token"]))
    refused(exchange(browser, rp, code, verifier))
    assert not live(browser, successor["access_token"])


def test_code_refused_at_its_first_presentation_stays_spent(browser, rp, user):
    """RFC 6749 §10.5: a presentation answered with a refusal spends the code, whatever the
    grace: the right verifier afterwards gets no tokens."""
    code, verifier = code_for(browser, rp)
    refused(exchange(browser, rp, code, pkce_pair()[0]))
    refused(exchange(browser, rp, code, verifier))
    assert rows() == []


@pytest.mark.parametrize("after", [False, True], ids=["call-lost", "answer-lost"])
def test_code_store_fault_at_each_call_answers_503_and_the_retry_succeeds(
    browser, rp, user, faulty, after
):
    """Each store call of a code exchange fails in turn: taking the code (read, used marker,
    pop), the family's revocation marker, the signing-key version, and the after-commit
    re-check. A call the exchange needs: 503, and the retry gets tokens (the code still in the
    store, or taken and retried within the grace). The key check and the re-check
    (``tolerated``): the 200 stands and a retry gets the same tokens. No family is revoked."""
    browser.tokens_for(rp)  # the signing keys exist (steady state)
    code, verifier = code_for(browser, rp)
    calls = store_calls(faulty, lambda: exchange(browser, rp, code, verifier))
    assert [name for name, _ in calls] == ["get", "set", "pop", "get", "get", "get"], calls
    for index in range(len(calls)):
        code, verifier = code_for(browser, rp)
        first = fail_one_store_call(faulty, index, after)(
            lambda code=code, verifier=verifier: exchange(browser, rp, code, verifier)
        )
        if index in tolerated(calls):
            lost = ok(first)
            assert same_tokens(ok(exchange(browser, rp, code, verifier)), lost)
        else:
            unavailable(first)
        again = ok(exchange(browser, rp, code, verifier))
        assert live(browser, again["access_token"])
        ok(refresh(browser, rp, again["refresh_token"]))
    assert revoked_families() == set()


# --- races (PostgreSQL) ----------------------------------------------------------------------

on_postgres = pytest.mark.skipif(
    os.environ.get("IDP_TEST_DATABASE", "sqlite") != "postgres",
    reason="SQLite cannot run concurrent writers; races are tested on PostgreSQL",
)
PARALLEL = 20


def in_parallel(app, form: dict, headers: dict) -> list:
    """POST /token with ``form`` from PARALLEL threads released together."""
    barrier = threading.Barrier(PARALLEL)
    results: list = [None] * PARALLEL

    def worker(i):
        http = app.test_client()
        try:
            barrier.wait(timeout=30)
            results[i] = http.post("/token", data=form, headers=headers)
        except BaseException as exc:  # asserted below
            results[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(PARALLEL)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=90)
    assert not any(t.is_alive() for t in threads)
    assert not [r for r in results if isinstance(r, BaseException)], results
    return results


@on_postgres
def test_refresh_twenty_parallel_presentations_give_one_successor_and_keep_the_family(
    app, browser, rp, user
):
    tokens = browser.tokens_for(rp, scope=OFFLINE)
    form, headers = rp.auth(dict(grant_type="refresh_token", refresh_token=tokens["refresh_token"]))
    results = in_parallel(app, form, headers)
    assert [r.status_code for r in results] == [200] * PARALLEL, [
        r.get_data(as_text=True) for r in results if r.status_code != 200
    ]
    bodies = [r.get_json() for r in results]
    assert len({(b["access_token"], b["refresh_token"]) for b in bodies}) == 1
    assert len(rows()) == 2 and revoked_families() == set()
    assert live(browser, bodies[0]["access_token"])
    ok(refresh(browser, rp, bodies[0]["refresh_token"]))


@on_postgres
def test_code_twenty_parallel_presentations_give_one_set_of_tokens(app, browser, rp, user):
    code, verifier = code_for(browser, rp)
    form, headers = rp.auth(
        dict(
            grant_type="authorization_code",
            code=code,
            redirect_uri=rp.redirect_uri,
            code_verifier=verifier,
        )
    )
    results = in_parallel(app, form, headers)
    assert [r.status_code for r in results] == [200] * PARALLEL, [
        r.get_data(as_text=True) for r in results if r.status_code != 200
    ]
    bodies = [r.get_json() for r in results]
    assert len({(b["access_token"], b["refresh_token"]) for b in bodies}) == 1
    assert len(rows()) == 1 and revoked_families() == set()
    ok(refresh(browser, rp, bodies[0]["refresh_token"]))
