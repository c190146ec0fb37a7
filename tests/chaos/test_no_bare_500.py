"""A back end that fails under a request is a 503 with a body, never a bare 500 (issue 11: "A
connection lost after commit never turns into a bare 500 with an empty body").

Instance A's database or Redis connection is cut through its proxy at points of a request's
conversation: on the COMMIT before it reaches PostgreSQL, after PostgreSQL committed but before
its answer came back, after any number of bytes either way, and with every connection of the
pool taken. Each answer must be the success the view prepared (when the cut fell after
everything that matters) or the 503 of ``idp.web.errors``: JSON ``temporarily_unavailable`` with
``Retry-After`` on the protocol endpoints, the HTML 503 page on pages.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from idp.domain.models import Consent
from idp.extensions import db
from support import PASSWORD, PHONE

pytestmark = pytest.mark.chaos


def assert_503(response, protocol: bool) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == 503, (response.status_code, body[:300])
    assert response.headers["Retry-After"]
    if protocol:
        assert response.get_json()["error"] == "temporarily_unavailable"
    else:
        assert response.mimetype == "text/html" and "服务暂时不可用" in body


def token_request(instance, rp):
    """A signed-in browser of ``instance`` with a fresh code; returns the exchange to send."""
    browser = instance.browser()
    callback = browser.sign_in(rp)
    return lambda: browser.exchange(rp, callback["code"])


def login_post(instance, rp):
    browser = instance.browser()
    page = browser.follow(browser.authorize(rp))
    return lambda: browser.submit(page, identifier=PHONE, password=PASSWORD)


def consent_post(instance, rp):
    browser = instance.browser()
    page = browser.follow(browser.login(browser.authorize(rp, prompt="consent")))
    return lambda: browser.submit(page, approve="1")


REQUESTS = {"token": (token_request, True), "login": (login_post, False)}
REQUESTS["consent"] = (consent_post, False)


def test_a_pool_with_every_connection_taken_answers_503_not_500(instances, rp, user):
    a, _ = instances
    browser = a.browser()
    with a.app.app_context():
        pool = db.engine.pool
        held = [db.engine.connect() for _ in range(pool.size() + pool._max_overflow)]
    try:
        assert_503(browser.exchange(rp, "any-code"), protocol=True)
        assert_503(browser.authorize(rp), protocol=False)
    finally:
        for conn in held:
            conn.close()
    assert browser.authorize(rp).status_code == 302  # to the login page: served again


@pytest.mark.parametrize("deliver", [False, True], ids=["commit-lost", "answer-lost"])
def test_a_token_request_whose_commit_is_cut_answers_503(instances, rp, user, deliver):
    a, _ = instances
    send = token_request(a, rp)
    cut = a.db.cut(pattern=b"COMMIT", deliver=deliver)
    response = send()
    assert cut.wait(3)  # set once PostgreSQL answered what was delivered
    assert_503(response, protocol=True)


@pytest.mark.parametrize("deliver", [False, True], ids=["commit-lost", "answer-lost"])
def test_a_page_post_whose_commit_is_cut_answers_the_503_page_not_its_success(
    app, instances, rp, user, deliver
):
    """The consent page's POST: the 503 page, never the redirect the view prepared, whether the
    consent reached the database (its answer lost) or not."""
    a, _ = instances
    send = consent_post(a, rp)
    cut = a.db.cut(pattern=b"COMMIT", deliver=deliver)
    response = send()
    assert cut.wait(3)  # set once PostgreSQL answered what was delivered
    assert_503(response, protocol=False)
    stored = db.session.scalars(select(Consent).where(Consent.user_id == user.id)).all()
    assert len(stored) == (1 if deliver else 0)


def test_the_503_page_of_an_interaction_is_answered_with_the_store_and_the_database_down(
    instances, rp, user
):
    """The error handler's own work fails too: its rollback meets a dead connection and the
    page's language would be read from the parked request in the store."""
    a, _ = instances
    send = consent_post(a, rp)
    a.redis.refusing()
    a.redis.reset()
    a.db.cut(pattern=b"COMMIT")
    assert_503(send(), protocol=False)


def _cut_points(total: int, count: int = 6) -> list[int]:
    step = max(1, total // count)
    return sorted({*range(1, total, step), total})


@pytest.mark.parametrize("backend", ["db", "redis"])
@pytest.mark.parametrize("kind", sorted(REQUESTS))
def test_every_cut_point_of_a_request_answers_its_success_or_a_503_with_a_body(
    instances, rp, user, kind, backend
):
    a, _ = instances
    prepare, protocol = REQUESTS[kind]
    proxy = getattr(a, backend)
    send = prepare(a, rp)
    before = dict(proxy.forwarded)
    assert send().status_code in (200, 302)
    traffic = {way: proxy.forwarded[way] - before[way] for way in ("up", "down")}
    answers = []
    for direction, total in traffic.items():
        for after in _cut_points(total):
            a.heal()
            send = prepare(a, rp)
            proxy.cut(after_bytes=after, direction=direction)
            response = send()
            proxy.disarm()
            answers.append(response.status_code)
            if response.status_code not in (200, 302):
                assert_503(response, protocol)
    assert 503 in answers  # the cuts did hit the request
