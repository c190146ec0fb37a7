"""Retention (issue 11, "nothing piles up"): ``idp maintenance purge`` and the worker's
scheduled purge remove token rows that can no longer matter, in batches of their own
transactions, and stale entries of the per-user session index; a family that can still be
refreshed keeps its rotated rows, so reuse detection (RFC 9700 §4.14.2) still works after a
purge.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from idp import worker
from idp.domain import transaction
from idp.domain.models import Token
from idp.extensions import db
from idp.protocol import retention
from idp.services import services
from support import decode_jwt

OFFLINE = "openid profile offline_access"
HOUR, DAY = 3600, 86400
KEEP = DAY
REFRESH_TTL = 10 * DAY
INTERVAL = 3600


@pytest.fixture
def settings_overrides():
    return {
        "protocol": {"access_token_ttl": HOUR, "refresh_token_ttl": REFRESH_TTL},
        "retention": {"keep": KEEP, "batch": 2, "purge_interval": INTERVAL},
    }


def refresh(browser, rp, refresh_token: str):
    return browser.token(rp, grant_type="refresh_token", refresh_token=refresh_token)


def rows(family_id: str | None = None) -> int:
    query = select(func.count()).select_from(Token)
    if family_id is not None:
        query = query.where(Token.family_id == family_id)
    db.session.expire_all()
    return db.session.scalar(query)


def families() -> set[str]:
    db.session.expire_all()
    return set(db.session.scalars(select(Token.family_id).distinct()))


def purge() -> retention.Purged:
    done = retention.purge(transaction.commit)
    transaction.commit()
    return done


def test_purge_removes_dead_tokens_keeps_live_families_and_reuse_detection_still_works(
    browser, rp, user, clock
):
    start = clock.now()
    expiring = browser.tokens_for(rp, scope=OFFLINE)  # its refresh deadline: +10 days
    expiring_family = families()
    browser.tokens_for(rp, scope="openid profile")  # access-only, expires after an hour
    revoked = browser.tokens_for(rp, scope=OFFLINE)
    successor = refresh(browser, rp, revoked["refresh_token"]).get_json()["refresh_token"]
    assert refresh(browser, rp, successor).status_code == 200  # the successor is used: so
    assert refresh(browser, rp, revoked["refresh_token"]).status_code == 400  # this is reuse
    assert rows() == 5

    clock.advance(KEEP)  # the revocation is exactly keep old: it stays
    assert purge() == retention.Purged()
    assert rows() == 5

    clock.advance(1)
    done = purge()
    assert (done.access_tokens, done.revoked_families, done.expired_families) == (0, 1, 0)
    assert done.family_rows == 3 and rows() == 2

    clock.advance(HOUR)  # the access-only token expired keep + 1 s ago
    done = purge()
    assert (done.access_tokens, done.revoked_families, done.expired_families) == (1, 0, 0)
    assert families() == expiring_family

    clock.advance(8 * DAY)
    live = browser.tokens_for(rp, scope=OFFLINE)  # a family that stays refreshable
    first = live["refresh_token"]
    second = refresh(browser, rp, first).get_json()["refresh_token"]
    clock.advance(HOUR)
    third = refresh(browser, rp, second).get_json()["refresh_token"]
    live_family = families() - expiring_family
    assert rows(next(iter(live_family))) == 3  # two rotated rows and the current one

    clock.set(start + REFRESH_TTL + KEEP)  # the first family's deadline + keep: it stays
    assert purge() == retention.Purged()
    clock.advance(1)
    assert refresh(browser, rp, expiring["refresh_token"]).status_code == 400  # expired
    done = purge()
    assert (done.access_tokens, done.revoked_families, done.expired_families) == (0, 0, 1)
    assert families() == live_family and rows() == 3  # rotated rows of a live family stay

    # Reuse of a rotated token of the live family is still detected: the family is revoked.
    assert refresh(browser, rp, first).status_code == 400
    assert refresh(browser, rp, third).status_code == 400
    db.session.expire_all()
    assert all(
        row.revoked_at is not None
        for row in db.session.scalars(select(Token).where(Token.family_id.in_(live_family)))
    )


def test_purge_deletes_in_batches_each_its_own_transaction(browser, rp, user, clock):
    for _ in range(5):
        browser.tokens_for(rp, scope="openid profile")
    clock.advance(HOUR + KEEP + 1)
    commits: list[int] = []

    def commit():
        transaction.commit()
        commits.append(rows())

    done = retention.purge(commit)
    assert done.access_tokens == 5
    assert commits == [3, 1, 0]  # batches of 2: each committed before the next


def test_purge_removes_stale_session_index_entries(app, browser, rp, user):
    sessions = services().sessions
    browser.tokens_for(rp)
    live = sessions.keys_for_user(user.id)
    assert len(live) == 1
    # a session whose record vanished from the store (expired there) leaves its entry behind
    services().store.sadd(f"sso-user:{user.id}", "gone-session-key")
    assert purge().session_index_entries == 1
    assert sessions.keys_for_user(user.id) == live
    assert purge().session_index_entries == 0


def test_ending_a_session_removes_it_from_the_users_index(browser, rp, user):
    id_token = browser.tokens_for(rp)["id_token"]
    assert services().sessions.keys_for_user(user.id)
    browser.http.get("/logout", query_string={"id_token_hint": id_token})
    assert services().sessions.keys_for_user(user.id) == set()
    assert decode_jwt(id_token)["sub"] == user.sub


def test_ending_a_session_removes_it_from_its_clients_index(browser, rp, user):
    id_token = browser.tokens_for(rp)["id_token"]
    assert services().sessions.signed_in_to(rp.client_id)
    browser.http.get("/logout", query_string={"id_token_hint": id_token})
    assert services().store.smembers(f"sso-client:{rp.client_id}") == set()


def test_purge_removes_stale_client_index_entries(app, browser, rp, user):
    browser.tokens_for(rp)
    live = services().store.smembers(f"sso-client:{rp.client_id}")
    assert len(live) == 1
    services().store.sadd(f"sso-client:{rp.client_id}", "gone-session-key")
    assert purge().session_index_entries == 1
    assert services().store.smembers(f"sso-client:{rp.client_id}") == live


def test_one_purge_per_interval_among_the_processes_sharing_the_store(app, clock):
    assert retention.due() is True
    assert retention.due() is False  # another process in the same interval
    clock.advance(INTERVAL - 1)
    assert retention.due() is False
    clock.advance(1)
    assert retention.due() is True and retention.due() is False


def test_no_scheduled_purge_when_the_interval_is_0(app):
    services().settings = services().settings.replace({"retention.purge_interval": 0})
    assert retention.due() is False


def test_the_worker_pass_purges_when_due(app, browser, rp, user, clock):
    browser.tokens_for(rp, scope="openid profile")
    worker.run_pass(app)  # the first pass: due, nothing dead yet
    clock.advance(HOUR + KEEP + 1)
    assert rows() == 1
    worker.run_pass(app)
    assert rows() == 0


def test_maintenance_purge_command_prints_what_it_removed(app, browser, rp, user, clock):
    browser.tokens_for(rp, scope="openid profile")
    clock.advance(HOUR + KEEP + 1)
    result = app.test_cli_runner().invoke(args=["maintenance", "purge"])
    assert result.exit_code == 0, result.output
    assert "access-only tokens: 1" in result.output
    assert "revoked families: 0" in result.output
    assert rows() == 0


def test_a_family_whose_rows_fall_in_several_batches_is_purged_once_and_whole(
    browser, rp, user, clock
):
    grant = browser.tokens_for(rp, scope=OFFLINE)
    token = grant["refresh_token"]
    for _ in range(3):  # rotations interleaved with other grants: the family spans batches
        browser.tokens_for(rp, scope="openid profile")
        clock.advance(HOUR)
        token = refresh(browser, rp, token).get_json()["refresh_token"]
    assert rows() == 7
    clock.advance(REFRESH_TTL + KEEP + 1)

    done = purge()

    assert (done.access_tokens, done.expired_families, done.revoked_families) == (3, 1, 0)
    assert done.family_rows == 4 and rows() == 0
