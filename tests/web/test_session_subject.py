"""No one is ever signed in as someone else (issue 11): an SSO session and a parked sign-in
hold the user's immutable ``sub`` beside the row id and count only when both match.

A database restored from a backup, with the store kept, can give a row id to another person:
the tests make that happen by handing the signed-in user's row to a new subject.
"""

from __future__ import annotations

from idp.domain.models import User
from idp.extensions import db
from idp.protocol import logout
from support import PASSWORD, PHONE, Browser, html_of, make_relying_party, make_user, query


def _hand_the_row_to_another_person(user: User) -> None:
    user.sub, user.name = "a-new-subject-after-the-restore", "王五"
    db.session.commit()


def test_a_session_of_someone_else_under_a_reused_id_leads_to_the_login_page(app, browser):
    user = make_user()
    rp = make_relying_party()
    browser.sign_in(rp)
    assert browser.http.get("/account").status_code == 200
    _hand_the_row_to_another_person(user)
    assert browser.http.get("/account").status_code == 302  # to the login page
    silent = browser.authorize(rp, prompt="none")
    assert query(silent.location)["error"] == "login_required"


def test_the_session_list_never_shows_sessions_of_another_subject(app, browser):
    user = make_user()
    rp = make_relying_party()
    old = Browser(app)
    old.sign_in(rp)
    _hand_the_row_to_another_person(user)
    page = browser.http.get("/login")
    browser.submit(page, identifier=PHONE, password=PASSWORD)
    html = html_of(browser.http.get("/account/sessions"))
    assert html.count('name="target"') == 1  # its own; not the one left by the row's last owner
    assert len(logout.sessions().keys_for_user(user.id)) == 2


def test_a_parked_sign_in_of_someone_else_asks_for_the_login_again(app, browser):
    """The login result of a parked request names the subject it signed in: the same row id
    with another subject is not that login."""
    user = make_user()
    rp = make_relying_party()
    first = browser.authorize(rp)
    login_page = browser.follow(first)
    consent = browser.login(login_page)  # parked request: login done, consent next
    assert "/consent" in consent.location
    _hand_the_row_to_another_person(user)
    again = browser.http.get(consent.location.replace("/consent", ""))
    assert "/login" in again.location


def test_the_session_list_shows_only_live_sessions(app, browser, clock):
    """A session past its idle deadline is not listed, even before the sweep ends it."""
    make_user()
    idle = Browser(app)
    idle.submit(idle.http.get("/login"), identifier=PHONE, password=PASSWORD)
    clock.advance(app.extensions["idp"].settings.session.idle_timeout - 60)
    browser.submit(browser.http.get("/login"), identifier=PHONE, password=PASSWORD)
    clock.advance(120)  # the first is past its idle deadline, the second is not
    html = html_of(browser.http.get("/account/sessions"))
    assert html.count('name="target"') == 1
