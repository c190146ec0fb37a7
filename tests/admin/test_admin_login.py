"""Admin login (issue 12, "Administrators"): password then TOTP; the first login enrols the
authenticator; a code counts once and only within one step of now (RFC 6238 §5.2); the same
answer for an unknown username and a wrong password; failures throttled per (username, IP)
with a bounded lock. All on the settable clock."""

from __future__ import annotations

import re

import trailkit
from adminkit import ADMIN_PASSWORD, code, csrf, login, make_admin, post_code, post_password
from idp.domain.admins import accounts as admins
from idp.domain.admins import totp
from idp.extensions import db
from idp.services import services

NEW_PASSWORD = "Own-Desk-Lamp-2027"


def test_first_login_enrols_with_a_local_qr_code_and_the_secret_in_text(client):
    make_admin("newadm", enrolled=False)
    first = post_password(client, "newadm")
    assert first.status_code == 302 and "/admin/login/code" in first.location
    page = client.get(first.location)
    html = page.get_data(as_text=True)
    assert "<svg" in html  # the QR code, rendered here (segno), inline
    shown = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', html)[1].replace(" ", "")
    db.session.expire_all()
    admin = admins.get("newadm")
    assert totp.secret_of(admin) == shown  # the text is the secret of the QR code
    assert admin.totp_secret_enc and shown not in admin.totp_secret_enc  # encrypted at rest
    new = {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    done = client.post(first.location, data={"csrf_token": csrf(page), "code": code(shown), **new})
    assert done.status_code == 302 and done.location.endswith("/admin/")
    assert client.get("/admin/").status_code == 200
    db.session.expire_all()
    assert admins.get("newadm").totp_enrolled


def test_enrolment_replaces_the_one_time_initial_password(client):
    """The initial password of ``idp admin create`` serves one login: enrolling sets the
    administrator's own (audited as ``admin.password_change``, reason enrolment)."""
    admin_id, _ = make_admin("newadm", enrolled=False)
    first = post_password(client, "newadm")
    page = client.get(first.location)
    assert 'autocomplete="new-password"' in page.get_data(as_text=True)
    db.session.expire_all()
    secret = totp.secret_of(admins.get("newadm"))
    data = {"csrf_token": csrf(page), "code": code(secret)}
    missing = client.post(first.location, data=data)
    assert missing.status_code == 400 and "请输入新密码" in missing.get_data(as_text=True)
    same = {"new_password": ADMIN_PASSWORD, "confirm": ADMIN_PASSWORD}
    kept = client.post(first.location, data={**data, **same})
    assert kept.status_code == 400
    db.session.expire_all()
    admin = admins.get_by_id(admin_id)
    assert not admin.totp_enrolled and admin.last_totp_step is None  # the code is not spent
    new = {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    done = client.post(first.location, data={**data, **new})
    assert done.status_code == 302
    db.session.expire_all()
    admin = admins.get_by_id(admin_id)
    assert admin.totp_enrolled and admins.check_password(admin, NEW_PASSWORD)
    assert not admins.check_password(admin, ADMIN_PASSWORD)
    entry = trailkit.only("admin.password_change")
    assert entry.result == "ok" and entry.actor == f"admin:{admin_id}"
    assert trailkit.detail(entry) == {"username": "newadm", "reason": "enrolment"}
    assert trailkit.only("admin.enrol_totp").result == "ok"
    client.post("/admin/logout", data={"csrf_token": csrf(client.get("/admin/"))})
    assert post_password(client, "newadm").status_code == 400  # the initial one is spent
    services().clock.advance(totp.STEP)
    assert post_password(client, "newadm", NEW_PASSWORD).status_code == 302


def test_enrolment_page_loads_nothing_from_elsewhere(client):
    make_admin("newadm", enrolled=False)
    first = post_password(client, "newadm")
    html = client.get(first.location).get_data(as_text=True)
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_login_with_password_and_code_reaches_home(client):
    _, secret = make_admin("sysadm")
    login(client, "sysadm", secret)
    assert client.get("/admin/").status_code == 200


def test_wrong_totp_code_is_refused(client):
    _, secret = make_admin("sysadm")
    services().clock.advance(totp.STEP)
    first = post_password(client, "sysadm")
    right = code(secret)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    refused = post_code(client, wrong, first.location)
    assert refused.status_code == 400
    assert client.get("/admin/").status_code == 302  # not signed in


def test_code_outside_one_step_is_refused_and_inside_accepted(client):
    _, secret = make_admin("sysadm")
    services().clock.advance(10 * totp.STEP)
    first = post_password(client, "sysadm")
    assert post_code(client, code(secret, -2 * totp.STEP), first.location).status_code == 400
    assert post_code(client, code(secret, -totp.STEP), first.location).status_code == 302


def test_replayed_totp_code_is_refused(app, client):
    _, secret = make_admin("sysadm")
    services().clock.advance(totp.STEP)
    first = post_password(client, "sysadm")
    used = code(secret)
    assert post_code(client, used, first.location).status_code == 302
    other = app.test_client()
    again = post_password(other, "sysadm")
    assert post_code(other, used, again.location).status_code == 400  # the same code, once
    services().clock.advance(totp.STEP)  # the next step's code is new
    assert post_code(other, code(secret), again.location).status_code == 302


def test_unknown_username_and_wrong_password_answer_alike(client):
    make_admin("sysadm")
    unknown = post_password(client, "nobody")
    wrong = post_password(client, "sysadm", "Wrong-Password-1")
    assert unknown.status_code == wrong.status_code == 400
    body = lambda r: re.sub(r'value="[^"]*"', "", r.get_data(as_text=True))  # noqa: E731
    assert body(unknown).replace("nobody", "X") == body(wrong).replace("sysadm", "X")


def test_disabled_admin_cannot_log_in(client):
    admin_id, secret = make_admin("sysadm")
    admins.disable(admins.get_by_id(admin_id))
    db.session.commit()
    refused = post_password(client, "sysadm")
    assert refused.status_code == 400


def test_failures_lock_the_pair_for_a_bounded_time(app, client):
    _, secret = make_admin("sysadm")
    limits = services().settings.admin
    for _ in range(limits.max_failures):
        assert post_password(client, "sysadm", "Wrong-Password-1").status_code == 400
    locked = post_password(client, "sysadm")  # the right password, but locked
    assert locked.status_code == 400
    assert "尝试次数过多" in locked.get_data(as_text=True)
    # another address is not locked: a stranger cannot lock the admin out
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    login(elsewhere, "sysadm", secret)
    # and the lock ends within lock_max_seconds
    services().clock.advance(limits.lock_max_seconds)
    login(client, "sysadm", secret)


def test_wrong_codes_count_as_failures(client):
    _, secret = make_admin("sysadm")
    limits = services().settings.admin
    services().clock.advance(totp.STEP)
    first = post_password(client, "sysadm")
    wrong = "000000" if code(secret) != "000000" else "111111"
    for _ in range(limits.max_failures):
        assert post_code(client, wrong, first.location).status_code == 400
    locked = post_code(client, code(secret), first.location)
    assert locked.status_code == 400 and "尝试次数过多" in locked.get_data(as_text=True)


def test_logout_ends_the_session(client):
    _, secret = make_admin("sysadm")
    login(client, "sysadm", secret)
    page = client.get("/admin/")
    out = client.post("/admin/logout", data={"csrf_token": csrf(page)})
    assert out.status_code == 302 and out.location.endswith("/admin/login")
    assert client.get("/admin/").status_code == 302


def test_admin_password_is_argon2id(app):
    admin_id, _ = make_admin("sysadm")
    assert admins.get_by_id(admin_id).password_hash.startswith("$argon2id$")
    assert admins.check_password(admins.get_by_id(admin_id), ADMIN_PASSWORD)
