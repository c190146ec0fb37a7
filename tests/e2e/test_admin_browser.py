"""The admin login in a real browser (issue 12): Chromium through Playwright, against the IdP
served on a real port. A new administrator signs in with the password, enrols the
authenticator from the secret shown beside the QR code and sets a password of its own (the
initial one is one-time), lands on the admin home, signs out, and signs in again with the
keyboard only (Enter submits each form) and its own password. The enrolment page passes
axe-core's WCAG 2.1 A/AA rules, also at a 360 px viewport. Skipped like the other browser tests
where Chromium is absent and CI is not set."""

from __future__ import annotations

import time

import pytest
from browserkit import NARROW, assert_accessible, open_page

from adminkit import ADMIN_PASSWORD, make_admin
from idp.domain.admins import totp

OWN_PASSWORD = "Own-Desk-Lamp-2027"


@pytest.fixture
def page():
    with open_page() as tab:
        yield tab


def test_admin_enrols_totp_then_signs_in_with_the_keyboard(page, app, idp_slot, idp_url):
    idp_slot.app = app
    make_admin("ops.chen", enrolled=False)
    page.goto(idp_url + "/admin/")
    page.wait_for_url("**/admin/login**")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.get_by_label("用户名").fill("ops.chen")
    page.get_by_label("密码").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="下一步").click()
    page.wait_for_url("**/admin/login/code**")
    assert page.locator("svg").count() == 1  # the QR code, drawn by the page itself
    secret = page.inner_text("#totp-secret").replace(" ", "")
    page.get_by_label("动态验证码（6 位数字）").fill(totp.code_at(secret, time.time()))
    page.get_by_label("新密码", exact=True).fill(OWN_PASSWORD)  # the initial one is one-time
    page.get_by_label("再次输入新密码").fill(OWN_PASSWORD)
    assert_accessible(page, "enrolment")
    page.set_viewport_size(NARROW)
    assert_accessible(page, "enrolment at 360 px")
    page.set_viewport_size({"width": 900, "height": 1000})
    page.get_by_role("button", name="确认绑定").click()
    page.wait_for_url(idp_url + "/admin/")
    assert page.get_by_role("heading", name="管理后台").is_visible()
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/admin/login")

    page.get_by_label("用户名").focus()
    page.keyboard.type("ops.chen")
    page.keyboard.press("Tab")
    page.keyboard.type(OWN_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/login/code**")
    page.get_by_label("动态验证码（6 位数字）").focus()
    page.keyboard.type(totp.code_at(secret, time.time() + totp.STEP))  # the next step: unused
    page.keyboard.press("Enter")
    page.wait_for_url(idp_url + "/admin/")
    assert page.get_by_role("heading", name="管理后台").is_visible()
