"""Helpers of the admin area's tests (tests/admin): admins made through the domain, their TOTP
codes at the settable clock's time, and a login through the pages."""

from __future__ import annotations

import re

from idp.domain.admins import accounts as admins
from idp.domain.admins import totp
from idp.extensions import db
from idp.services import services

ADMIN_PASSWORD = "Admin-Desk-2026"


def make_admin(username: str = "sysadm", role: str = "system", *, enrolled: bool = True):
    """An admin (committed, as the CLI would); enrolled ones have a TOTP secret. Returns
    (admin id, secret or None)."""
    admin = admins.create(username, f"管理员 {username}", role, ADMIN_PASSWORD)
    secret = None
    if enrolled:
        secret = totp.begin_enrolment(admin)
        admin.totp_enrolled = True
    db.session.commit()
    return admin.id, secret


def code(secret: str, offset: float = 0) -> str:
    """The code an authenticator shows now (``offset`` seconds from the test clock's now)."""
    return totp.code_at(secret, services().clock.now() + offset)


def csrf(response) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True))[1]


def post_password(http, username: str, password: str = ADMIN_PASSWORD, next_page: str = ""):
    page = http.get("/admin/login" + (f"?next={next_page}" if next_page else ""))
    url = "/admin/login" + (f"?next={next_page}" if next_page else "")
    return http.post(
        url, data={"csrf_token": csrf(page), "username": username, "password": password}
    )


def post_code(http, value: str, location: str = "/admin/login/code"):
    page = http.get(location)
    return http.post(location, data={"csrf_token": csrf(page), "code": value})


def login(http, username: str, secret: str, *, advance: bool = True):
    """Password then code; the clock moves one TOTP step first so a fresh code is unused."""
    if advance:
        services().clock.advance(totp.STEP)
    first = post_password(http, username)
    assert first.status_code == 302, first.get_data(as_text=True)
    second = post_code(http, code(secret), first.location)
    assert second.status_code == 302, second.get_data(as_text=True)
    return second


def admin_cookie(http):
    return http.get_cookie(services().settings.admin.cookie_name, path="/admin")
