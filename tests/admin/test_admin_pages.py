"""The admin pages of this first part (issue 12): home by role, "my account" (own password:
current password + TOTP), and for role system the admin accounts (create, disable, reset
TOTP) through the same domain operations as ``idp admin``; accessible forms."""

from __future__ import annotations

import re

import trailkit
from adminkit import ADMIN_PASSWORD, code, csrf, login, make_admin
from idp.domain.admins import accounts as admins
from idp.domain.admins import totp
from idp.extensions import db
from idp.services import services


def test_home_says_what_each_role_can_do(app):
    for role in admins.ROLES:
        http = app.test_client()
        _, secret = make_admin(f"{role}1", role)
        login(http, f"{role}1", secret)
        html = http.get("/admin/").get_data(as_text=True)
        assert ('href="/admin/admins"' in html) == (role == admins.SYSTEM)


def test_pages_have_a_language_and_labelled_fields(client):
    html = client.get("/admin/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    for field in ("username", "password"):
        assert f'<label for="{field}">' in html and f'id="{field}"' in html
    english = client.get("/admin/login", headers={"Accept-Language": "en"})
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert "Administrator login" in english.get_data(as_text=True)


def test_error_summary_links_to_the_fields(client):
    page = client.get("/admin/login")
    refused = client.post("/admin/login", data={"csrf_token": csrf(page)})
    html = refused.get_data(as_text=True)
    assert 'role="alert"' in html and 'href="#username"' in html and 'href="#password"' in html
    assert 'aria-describedby="username-error"' in html


def test_change_own_password_needs_current_password_and_code(client):
    admin_id, secret = make_admin("sysadm")
    login(client, "sysadm", secret)
    new = "Another-Desk-2027"
    page = client.get("/admin/account")
    services().clock.advance(totp.STEP)
    data = {"csrf_token": csrf(page), "code": code(secret), "new_password": new, "confirm": new}
    wrong = client.post("/admin/account", data={**data, "current_password": "Wrong-Pass-11"})
    assert wrong.status_code == 400
    no_code = client.post(
        "/admin/account", data={**data, "current_password": ADMIN_PASSWORD, "code": "000000"}
    )
    assert no_code.status_code == 400
    done = client.post("/admin/account", data={**data, "current_password": ADMIN_PASSWORD})
    assert done.status_code == 302
    db.session.expire_all()
    assert admins.check_password(admins.get_by_id(admin_id), new)


def test_an_accepted_code_counts_once_although_its_request_failed_later(client):
    """RFC 6238 §5.2: the code was right, the new password then refused by the policy and the
    request rolled back; the code's step stays used, so the same code cannot be played again."""
    admin_id, secret = make_admin("sysadm")
    login(client, "sysadm", secret)
    page = client.get("/admin/account")
    services().clock.advance(totp.STEP)
    used = code(secret)
    data = {"csrf_token": csrf(page), "current_password": ADMIN_PASSWORD, "code": used}
    weak = client.post("/admin/account", data={**data, "new_password": "a", "confirm": "a"})
    assert weak.status_code == 400
    db.session.expire_all()
    assert admins.get_by_id(admin_id).last_totp_step == int(services().clock.now()) // totp.STEP
    new = "Another-Desk-2027"
    again = client.post("/admin/account", data={**data, "new_password": new, "confirm": new})
    assert again.status_code == 400 and "动态验证码不正确" in again.get_data(as_text=True)
    db.session.expire_all()
    assert admins.check_password(admins.get_by_id(admin_id), ADMIN_PASSWORD)
    services().clock.advance(totp.STEP)
    fresh = {**data, "code": code(secret), "new_password": new, "confirm": new}
    assert client.post("/admin/account", data=fresh).status_code == 302


def test_system_admin_creates_disables_and_resets_an_admin(client):
    _, secret = make_admin("sysadm")
    login(client, "sysadm", secret)
    page = client.get("/admin/admins/new")
    created = client.post(
        "/admin/admins/new",
        data={
            "csrf_token": csrf(page),
            "username": "rev.zhao",
            "display_name": "赵审核",
            "role": "reviewer",
            "password": ADMIN_PASSWORD,
        },
    )
    assert created.status_code == 302, created.get_data(as_text=True)
    db.session.expire_all()
    target = admins.get("rev.zhao")
    assert target.role == "reviewer" and not target.totp_enrolled
    listing = client.get("/admin/admins")
    assert "rev.zhao" in listing.get_data(as_text=True)
    target.totp_enrolled = True
    db.session.commit()
    reset = client.post(f"/admin/admins/{target.id}/reset-totp", data={"csrf_token": csrf(listing)})
    assert reset.status_code == 302
    disabled = client.post(f"/admin/admins/{target.id}/disable", data={"csrf_token": csrf(listing)})
    assert disabled.status_code == 302
    db.session.expire_all()
    target = admins.get("rev.zhao")
    assert not target.active and not target.totp_enrolled


def test_create_page_shows_the_domain_refusal_at_its_field(client):
    _, secret = make_admin("sysadm")
    login(client, "sysadm", secret)
    page = client.get("/admin/admins/new")
    refused = client.post(
        "/admin/admins/new",
        data={
            "csrf_token": csrf(page),
            "username": "sysadm",
            "display_name": "重复",
            "role": "auditor",
            "password": ADMIN_PASSWORD,
        },
    )
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert re.search(r'id="username-error">[^<]*已被其他管理员使用', html)


def test_a_system_admin_cannot_disable_itself(client):
    admin_id, secret = make_admin("sysadm")
    login(client, "sysadm", secret)
    listing = client.get("/admin/admins")
    refused = client.post(f"/admin/admins/{admin_id}/disable", data={"csrf_token": csrf(listing)})
    assert refused.status_code == 409
    db.session.expire_all()
    assert admins.get_by_id(admin_id).active


def test_admin_views_run_in_the_request_transaction(app):
    """The admin blueprint is registered before ``web.register``, which wraps every view in the
    request's transaction (commit on success, roll back an error answer)."""
    views = {e: v for e, v in app.view_functions.items() if e.startswith("admin.")}
    assert views and all(getattr(v, "in_transaction", False) for v in views.values())


def test_wrong_current_passwords_on_my_account_are_throttled(client):
    _, secret = make_admin("sysadm")
    login(client, "sysadm", secret)
    page = client.get("/admin/account")
    new = "Another-Desk-2027"
    data = {"csrf_token": csrf(page), "new_password": new, "confirm": new}
    for _ in range(services().settings.admin.max_failures):
        services().clock.advance(totp.STEP)
        wrong = {**data, "current_password": "Wrong-Pass-11", "code": code(secret)}
        assert client.post("/admin/account", data=wrong).status_code == 400
    services().clock.advance(totp.STEP)
    right = {**data, "current_password": ADMIN_PASSWORD, "code": code(secret)}
    locked = client.post("/admin/account", data=right)
    assert locked.status_code == 400 and "尝试次数过多" in locked.get_data(as_text=True)


def test_admin_actions_are_written_to_the_audit_trail_without_secrets(client):
    """Issue 12: every admin action is audited — who (the administrator), from where (the
    client IP), what and how it ended — and no password or TOTP secret is in any entry."""
    admin_id, secret = make_admin("sysadm")
    login(client, "sysadm", secret)
    page = client.get("/admin/admins/new")
    client.post(
        "/admin/admins/new",
        data={
            "csrf_token": csrf(page),
            "username": "aud.qian",
            "display_name": "钱审计",
            "role": "auditor",
            "password": ADMIN_PASSWORD,
        },
    )
    target = admins.get("aud.qian")
    client.post(f"/admin/admins/{target.id}/disable", data={"csrf_token": csrf(page)})

    created, disabled = trailkit.only("admin.create"), trailkit.only("admin.disable")
    assert trailkit.only("admin.login").result == "ok"
    assert trailkit.detail(created) == {"username": "aud.qian", "role": "auditor"}
    assert created.actor == disabled.actor == f"admin:{admin_id}"
    assert trailkit.detail(disabled) == {"username": "aud.qian"}
    assert all(entry.ip for entry in trailkit.entries())
    text = "\n".join(trailkit.serialised(entry) for entry in trailkit.entries())
    assert ADMIN_PASSWORD not in text and secret not in text


def test_a_wrong_admin_password_is_in_the_audit_trail_although_the_page_rolls_back(client):
    make_admin("sysadm")
    page = client.get("/admin/login")
    data = {"csrf_token": csrf(page), "username": "sysadm", "password": "Wrong-Pass-11"}
    assert client.post("/admin/login", data=data).status_code == 400

    entry = trailkit.only("admin.login")
    assert entry.result == "refused" and trailkit.detail(entry) == {"username": "sysadm"}
