"""The citizen's own tasks in a real browser, at a desktop and a 360 px phone viewport (issue
13, "Done when"): a person without a real-name verification signs in to the center,
re-authenticates, verifies their identity (S7, domain/accounts/realname.py) and sees the center
say so; a person who forgot the password resets it through the verified mobile and signs in
with the new one. The pages pass axe-core's WCAG 2.1 A/AA rules, refused forms included."""

from __future__ import annotations

import pytest
from browserkit import DESKTOP, NARROW, assert_accessible, open_page
from screens import snap

from idp.extensions import db
from idp.services import services
from support import PASSWORD, PHONE, make_user

NUMBER = "11010519491231002X"
ANSWER, NEW_PASSWORD = "2468", "Quiet-meadow-73"


@pytest.fixture
def settings_overrides(idp_url):
    return {"issuer": idp_url, "captcha": {"deterministic": True, "deterministic_answer": ANSWER}}


@pytest.mark.parametrize("viewport", [DESKTOP, NARROW], ids=["desktop", "phone"])
def test_s7_realname_from_the_personal_center_in_a_browser(app, idp_slot, idp_url, viewport):
    idp_slot.app = app
    user = make_user()
    with open_page(viewport) as page:
        page.goto(idp_url + "/login")
        page.fill("#identifier", PHONE)
        page.fill("#password", PASSWORD)
        page.locator("form button.primary").click()
        page.wait_for_url("**/account")
        page.get_by_role("link", name="去实名认证").first.click()
        page.wait_for_url("**/account/reauth**")
        page.fill("#password", PASSWORD)
        page.locator("form button.primary").click()
        page.wait_for_url("**/account/realname")
        page.select_option("#id_type", "resident_id")
        page.fill("#id_number", "110105194912310021")  # a wrong check character
        page.fill("#valid_from", "2020-01-01")
        page.fill("#valid_to", "2040-01-01")
        page.locator("form button.primary").click()
        assert page.locator("#id_number-error").is_visible()
        assert_accessible(page, "实名认证 with an error")
        page.fill("#id_number", NUMBER)
        snap(page, "realname-form")
        page.locator("form button.primary").click()
        page.get_by_text("实名认证已完成").wait_for()
        snap(page, "realname-done")
        page.goto(idp_url + "/account")
        assert "已实名" in page.inner_text("dl.profile")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    db.session.expire_all()
    assert db.session.get(type(user), user.id).realname_verified


@pytest.mark.parametrize("viewport", [DESKTOP, NARROW], ids=["desktop", "phone"])
def test_p2_forgotten_password_reset_in_a_browser(app, idp_slot, idp_url, viewport):
    """忘记密码 (issue 13): from the login page, the identifier, the full verified mobile and the
    captcha; the code from the SMS and a new password; then the new password signs in."""
    idp_slot.app = app
    make_user()
    with open_page(viewport) as page:
        page.goto(idp_url + "/login")
        page.get_by_role("link", name="忘记密码").click()
        page.wait_for_url("**/login/forgot**")
        assert_accessible(page, "忘记密码")
        page.fill("#identifier", PHONE)
        page.fill("#contact", PHONE)
        page.fill("#captcha", ANSWER)
        snap(page, "41-forgot-password")
        page.locator("form button.primary").click()
        page.wait_for_url("**/login/forgot/reset**")
        page.fill("#code", services().sms.outbox.latest()[0]["params"]["code"])
        page.fill("#password", NEW_PASSWORD)
        page.fill("#password_confirm", NEW_PASSWORD)
        assert_accessible(page, "重置密码")
        page.locator("form button.primary").click()
        page.get_by_text("密码已重置").wait_for()
        snap(page, "42-password-reset-done")
        page.get_by_role("link", name="去登录").click()
        page.fill("#identifier", PHONE)
        page.fill("#password", NEW_PASSWORD)
        page.locator("form button.primary").click()
        page.wait_for_url("**/account")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
