"""The admin session (issue 12): its own cookie (Path=/admin, HttpOnly, SameSite=Strict, Secure
in production), 15-minute idle and 8-hour absolute timeouts on the settable clock, CSRF on
every POST, a disabled admin's session ending at once, re-authentication before sensitive
actions, and no crossing between the citizens' SSO session and the admin session."""

from __future__ import annotations

import pytest

from adminkit import admin_cookie, code, csrf, login, make_admin
from idp.domain.admins import accounts as admins
from idp.domain.admins import totp
from idp.extensions import db
from idp.services import services
from support import make_user


def test_cookie_is_scoped_to_admin_httponly_and_strict(client):
    _, secret = make_admin("sysadm")
    response = login(client, "sysadm", secret)
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("idp_admin="))
    attrs = {part.strip().split("=")[0].lower() for part in header.split(";")}
    assert "Path=/admin" in header and "httponly" in attrs and "SameSite=Strict" in header
    assert "secure" not in attrs  # development: http
    assert "expires" not in attrs and "max-age" not in attrs  # the server decides the lifetime


@pytest.fixture
def production(monkeypatch, app):
    svc = services()
    monkeypatch.setattr(svc, "settings", svc.settings.replace({"env": "production"}))


def test_cookie_is_secure_in_production(client, production):
    _, secret = make_admin("sysadm")
    response = login(client, "sysadm", secret)
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("idp_admin="))
    assert "Secure" in header


def test_session_ends_after_idle_timeout(client):
    _, secret = make_admin("sysadm")
    login(client, "sysadm", secret)
    idle = services().settings.admin.idle_timeout
    services().clock.advance(idle - 1)
    assert client.get("/admin/").status_code == 200  # activity keeps it alive
    services().clock.advance(idle - 1)
    assert client.get("/admin/").status_code == 200
    services().clock.advance(idle)
    gone = client.get("/admin/")
    assert gone.status_code == 302 and "/admin/login" in gone.location


def test_session_ends_after_absolute_timeout_whatever_the_activity(client):
    _, secret = make_admin("sysadm")
    login(client, "sysadm", secret)
    limits = services().settings.admin
    step = limits.idle_timeout - 60
    spent = 0
    while spent + step < limits.absolute_timeout:
        services().clock.advance(step)
        spent += step
        assert client.get("/admin/").status_code == 200
    services().clock.advance(limits.absolute_timeout - spent)
    assert client.get("/admin/").status_code == 302


def test_post_without_csrf_token_is_refused(client):
    _, secret = make_admin("sysadm")
    login(client, "sysadm", secret)
    refused = client.post("/admin/logout", data={})
    assert refused.status_code == 400
    assert client.get("/admin/").status_code == 200  # still signed in
    page = client.get("/admin/account")
    refused = client.post("/admin/account", data={"current_password": "x", "code": "1"})
    assert refused.status_code == 400
    assert csrf(page)


def test_disabled_admin_session_ends_at_its_next_request(app, client):
    admin_id, secret = make_admin("sysadm")
    login(client, "sysadm", secret)
    admins.disable(admins.get_by_id(admin_id))
    db.session.commit()
    ended = client.get("/admin/")
    assert ended.status_code == 302 and "/admin/login" in ended.location
    assert admin_cookie(client) is None  # and the cookie is cleared


def test_reset_totp_ends_the_session_and_the_next_login_enrols(client):
    admin_id, secret = make_admin("sysadm")
    login(client, "sysadm", secret)
    admins.reset_totp(admins.get_by_id(admin_id))
    db.session.commit()
    assert client.get("/admin/").status_code == 302


def test_sensitive_action_requires_fresh_reauthentication(client):
    _, secret = make_admin("sysadm")
    login(client, "sysadm", secret)
    assert client.get("/admin/admins/new").status_code == 200  # just signed in: fresh
    services().clock.advance(services().settings.admin.reauth_window + 1)
    asked = client.get("/admin/admins/new")
    assert asked.status_code == 302 and "/admin/reauth" in asked.location
    page = client.get(asked.location)
    services().clock.advance(totp.STEP)
    wrong = client.post(
        asked.location,
        data={"csrf_token": csrf(page), "password": "Wrong-Password-1", "code": code(secret)},
    )
    assert wrong.status_code == 400
    assert client.get("/admin/admins/new").status_code == 302  # still not fresh
    services().clock.advance(totp.STEP)
    done = client.post(
        asked.location,
        data={"csrf_token": csrf(page), "password": "Admin-Desk-2026", "code": code(secret)},
    )
    assert done.status_code == 302 and done.location.endswith("/admin/admins/new")
    assert client.get("/admin/admins/new").status_code == 200


def test_stale_post_of_a_sensitive_action_goes_to_reauthentication_first(client):
    admin_id, secret = make_admin("sysadm")
    other_id, _ = make_admin("reviewer1", "reviewer")
    login(client, "sysadm", secret)
    page = client.get("/admin/admins")
    services().clock.advance(services().settings.admin.reauth_window + 1)
    asked = client.post(f"/admin/admins/{other_id}/disable", data={"csrf_token": csrf(page)})
    assert asked.status_code == 302 and "/admin/reauth" in asked.location
    db.session.expire_all()
    assert admins.get_by_id(other_id).active


def test_reauth_next_never_leaves_the_admin_area(client):
    _, secret = make_admin("sysadm")
    login(client, "sysadm", secret)
    page = client.get("/admin/reauth?next=https://evil.example/")
    services().clock.advance(totp.STEP)
    done = client.post(
        "/admin/reauth?next=https://evil.example/",
        data={"csrf_token": csrf(page), "password": "Admin-Desk-2026", "code": code(secret)},
    )
    assert done.status_code == 302 and done.location.endswith("/admin/")


def test_citizen_sso_session_gives_no_access_to_admin(browser, rp):
    make_user()
    browser.sign_in(rp)
    client = browser.http
    assert client.get_cookie(services().settings.session.cookie_name) is not None
    assert client.get("/account").status_code == 200  # a citizen session exists
    refused = client.get("/admin/")
    assert refused.status_code == 302 and "/admin/login" in refused.location


def test_admin_session_gives_no_citizen_access(client):
    _, secret = make_admin("sysadm")
    login(client, "sysadm", secret)
    assert client.get("/admin/").status_code == 200
    account = client.get("/account")
    assert account.status_code == 302 and "/login" in account.location
    assert client.get_cookie(services().settings.session.cookie_name) is None


def test_the_session_id_changes_when_the_code_is_proven(client):
    from adminkit import post_code, post_password

    _, secret = make_admin("sysadm")
    services().clock.advance(totp.STEP)
    first = post_password(client, "sysadm")
    before = admin_cookie(client).value
    post_code(client, code(secret), first.location)
    after = admin_cookie(client).value
    assert before != after
    client.set_cookie(services().settings.admin.cookie_name, before, path="/admin")
    assert client.get("/admin/").status_code == 302  # the pre-login id is worthless


def test_a_password_without_its_code_expires(client):
    from adminkit import post_password

    _, secret = make_admin("sysadm")
    services().clock.advance(totp.STEP)
    first = post_password(client, "sysadm")
    token = csrf(client.get(first.location))
    services().clock.advance(services().settings.admin.login_ttl)
    late = client.post(first.location, data={"csrf_token": token, "code": code(secret)})
    assert late.status_code == 302 and late.location.endswith("/admin/login")
    assert client.get("/admin/").status_code == 302
