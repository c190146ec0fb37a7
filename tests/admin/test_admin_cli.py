"""``idp admin create|list|disable|reset-totp`` (issue 12): the same domain operations as the
admin pages; a created admin logs in and enrols at its first login."""

from __future__ import annotations

import pytest

from adminkit import ADMIN_PASSWORD, code, csrf, login, make_admin, post_code, post_password
from idp.domain.admins import accounts as admins
from idp.domain.admins import totp
from idp.extensions import db


@pytest.fixture
def idp(app):
    runner = app.test_cli_runner()

    def invoke(*args, input=None):
        return runner.invoke(args=list(args), input=input)

    return invoke


def test_create_via_cli_then_first_login_enrols(idp, client):
    result = idp(
        "admin",
        "create",
        "ops.wang",
        "--name",
        "王运维",
        "--role",
        "system",
        "--password",
        ADMIN_PASSWORD,
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    admin = admins.get("ops.wang")
    assert admin.role == "system" and admin.active and not admin.totp_enrolled
    first = post_password(client, "ops.wang")
    page = client.get(first.location)
    assert "绑定身份验证器" in page.get_data(as_text=True)
    db.session.expire_all()
    secret = totp.secret_of(admins.get("ops.wang"))
    own = "Own-Desk-Lamp-2027"  # the initial password is one-time: enrolment replaces it
    data = {"csrf_token": csrf(page), "code": code(secret), "new_password": own, "confirm": own}
    done = client.post(first.location, data=data)
    assert done.status_code == 302
    db.session.expire_all()
    assert admins.check_password(admins.get("ops.wang"), own)


def test_create_prompts_for_the_password_twice(idp):
    result = idp(
        "admin",
        "create",
        "rev.li",
        "--name",
        "李审核",
        "--role",
        "reviewer",
        input=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert ADMIN_PASSWORD not in result.output
    db.session.expire_all()
    assert admins.check_password(admins.get("rev.li"), ADMIN_PASSWORD)


def test_create_refuses_a_taken_username_a_weak_password_and_an_unknown_role(idp):
    make_admin("sysadm")
    taken = idp(
        "admin", "create", "SysAdm", "--name", "x", "--role", "system", "--password", ADMIN_PASSWORD
    )
    assert taken.exit_code == 1 and "已被其他管理员使用" in taken.output
    weak = idp("admin", "create", "new1", "--name", "x", "--role", "system", "--password", "abc")
    assert weak.exit_code == 1
    role = idp(
        "admin", "create", "new2", "--name", "x", "--role", "root", "--password", ADMIN_PASSWORD
    )
    assert role.exit_code == 2


def test_list_shows_role_state_and_enrolment(idp):
    make_admin("sysadm")
    make_admin("aud1", "auditor", enrolled=False)
    lines = idp("admin", "list").output.splitlines()
    assert any(line.startswith("aud1\tauditor\tactive\tno-totp") for line in lines)
    assert any(line.startswith("sysadm\tsystem\tactive\ttotp") for line in lines)


def test_disable_via_cli_ends_login_and_session(idp, client):
    _, secret = make_admin("sysadm")
    login(client, "sysadm", secret)
    result = idp("admin", "disable", "sysadm")
    assert result.exit_code == 0, result.output
    assert client.get("/admin/").status_code == 302
    assert post_password(client, "sysadm").status_code == 400
    assert idp("admin", "disable", "nobody").exit_code == 1


def test_reset_totp_via_cli_clears_enrolment(idp, client):
    _, secret = make_admin("sysadm")
    result = idp("admin", "reset-totp", "sysadm")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    admin = admins.get("sysadm")
    assert not admin.totp_enrolled and admin.totp_secret_enc is None
    assert admin.last_totp_step is None
    first = post_password(client, "sysadm")
    assert "绑定身份验证器" in client.get(first.location).get_data(as_text=True)
    assert post_code(client, code(secret), first.location).status_code == 400  # old secret


def test_demo_seed_creates_one_enrolled_admin_per_role_and_prints_its_secret(app, client):
    from idp import demo_admin

    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    for spec in demo_admin.DEMO_ADMINS:
        assert f"TOTP secret {spec['secret']}" in result.output
        db.session.expire_all()
        admin = admins.get(spec["username"])
        assert admin.role == spec["role"] and admin.totp_enrolled
        assert totp.secret_of(admin) == spec["secret"]
    system = demo_admin.DEMO_ADMINS[0]
    assert post_password(client, system["username"], demo_admin.PASSWORD).status_code == 302
    again = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert "created admin" not in again.output
