"""Query budgets: the SQL statements one request of each hot path sends to the database.

The token endpoint (authorization code exchange, RFC 6749 §4.1.3), the refresh grant (§6),
UserInfo (OIDC Core §5.3) and /authorize for a user who is signed in and has consented (OIDC
Core §3.1.2) run on every sign-in of every trademark subsystem. Each test counts the statements
of exactly one request with SQLAlchemy's ``before_cursor_execute`` event and pins the number,
so a change that adds a query (an N+1, a lazy load, a second lookup of the same row) fails here
instead of slipping into production unnoticed.

When a budget test fails: if the change sends more statements, find out why and remove the
extra ones if you can; if the new count is right (a new rule needs a row), or you made the path
cheaper, set the budget to the new number in the same commit and say why in its message. The
listed statements in the failure message show what ran.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from idp.extensions import db

# Statements per request, by database dialect: on PostgreSQL a write transaction also sends
# "SET LOCAL synchronous_commit TO OFF" (one more statement), SQLite has no such setting.
# token and refresh: one less since the new row comes back from its INSERT ... RETURNING and
# the after-commit re-check of its family no longer reloads the row the commit expired
TOKEN_BUDGET = {"sqlite": 4, "postgresql": 5}
# refresh: 10/11 while the claim of the refresh token committed in the middle of the request
# (the rows read again after it); one transaction per request since
REFRESH_BUDGET = {"sqlite": 6, "postgresql": 7}
USERINFO_BUDGET = {"sqlite": 1, "postgresql": 1}
# authorize: the client is read 4 times (one SELECT would do: performance work), the 4th after
# the request's commit expired it
AUTHORIZE_SIGNED_IN_BUDGET = {"sqlite": 6, "postgresql": 6}


@contextmanager
def statements() -> Iterator[list[str]]:
    """Collect every statement sent on the app's engine while the block runs."""
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def assert_within(sent: list[str], budgets: dict[str, int], path: str) -> None:
    dialect = db.engine.dialect.name
    budget = budgets[dialect]
    listing = "\n".join(f"  {n}. {s[:160]}" for n, s in enumerate(sent, 1))
    assert len(sent) == budget, (
        f"{path} sent {len(sent)} SQL statements on {dialect}; its budget is {budget}. If that "
        f"is intended, set its {dialect} budget in {__name__} to {len(sent)} and say why in the "
        f"commit; otherwise remove the extra queries.\n{listing}"
    )


def bearer(token: str) -> dict:
    return {"Authorization": "Bearer " + token}


def test_query_budget_token_code_exchange(browser, rp, user):
    browser.tokens_for(rp)  # the first ID token creates the signing keys: not steady state
    callback = browser.sign_in(rp)
    with statements() as sent:
        response = browser.exchange(rp, callback["code"])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert_within(sent, TOKEN_BUDGET, "POST /token (authorization_code)")


def test_query_budget_refresh(browser, rp, user):
    tokens = browser.tokens_for(rp, scope="openid profile offline_access")
    with statements() as sent:
        response = browser.token(
            rp, grant_type="refresh_token", refresh_token=tokens["refresh_token"]
        )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "refresh_token" in response.get_json()
    assert_within(sent, REFRESH_BUDGET, "POST /token (refresh_token)")


def test_query_budget_userinfo(browser, rp, user):
    tokens = browser.tokens_for(rp, scope="openid profile phone")
    with statements() as sent:
        response = browser.http.get("/userinfo", headers=bearer(tokens["access_token"]))
    assert response.status_code == 200
    assert response.get_json()["sub"] == user.sub
    assert_within(sent, USERINFO_BUDGET, "GET /userinfo")


def test_query_budget_authorize_signed_in_with_consent(browser, rp, user):
    browser.sign_in(rp)
    with statements() as sent:
        response = browser.authorize(rp)
    assert response.status_code == 302
    assert response.location.startswith(rp.redirect_uri) and "code=" in response.location
    assert_within(sent, AUTHORIZE_SIGNED_IN_BUDGET, "GET /authorize (signed in, consented)")
