"""One journey in a real browser: Playwright drives Debian's Chromium (fonts-noto-cjk) against the
IdP and the sample subsystem 商标网上申请, both served on real ports.

A natural person registers through the IdP's pages (P1, S2; the codes are read from the outbox
adapters in this process), then signs in to the sample: the code flow with PKCE (OIDC Core
§3.1, RFC 7636) through the login and consent pages, back to the sample showing the name. A
screenshot of the end goes to a temporary folder. Skipped only where Chromium is absent and CI is
not set; under CI=true a missing browser fails the test.
"""

from __future__ import annotations

import re

import pytest
from browserkit import open_page
from screens import snap

from idp.services import services

NAME, ID_NUMBER, MOBILE = "陈静", "110105198001010032", "13900139000"
EMAIL, PASSWORD = "chen.jing@example.com", "Lantern-river-42"


@pytest.fixture
def sample_url(sample):
    return sample[0]


@pytest.fixture
def page():
    with open_page() as tab:
        yield tab


def latest_code(channel: str) -> str:
    message = getattr(services(), channel).outbox.latest()[0]
    if channel == "sms":
        return message["params"]["code"]
    return re.search(r"验证码为 (\d{6})", message["body"]).group(1)


def register(page, idp_url: str) -> None:
    """P1: choose 自然人, fill the form as a person would (address selects one level at a time,
    filled by forms.js; each code sent and read from the outbox), agree and submit."""
    page.goto(idp_url + "/register")
    page.get_by_label("自然人").check()
    page.get_by_role("button", name="下一步").click()
    page.wait_for_url("**/register/person")
    page.select_option("#id_type", "resident_id")
    page.fill("#name", NAME)
    page.fill("#id_number", ID_NUMBER)
    page.fill("#valid_from", "2020-01-01")
    page.fill("#valid_to", "2040-01-01")
    page.select_option("#province", "110000")  # forms.js fills the next select
    page.locator('#city option[value="110100"]').wait_for(state="attached")
    page.select_option("#city", "110100")
    page.locator('#county option[value="110105"]').wait_for(state="attached")
    page.select_option("#county", "110105")
    page.fill("#street", "朝阳路 1 号")
    page.fill("#postal_code", "100020")
    page.fill("#email", EMAIL)
    page.get_by_role("button", name="获取邮件验证码").click()
    page.get_by_text("邮件验证码已发送").wait_for()
    page.fill("#email_code", latest_code("mail"))
    page.fill("#phone", MOBILE)
    page.get_by_role("button", name="获取短信验证码").click()
    page.get_by_text("短信验证码已发送").wait_for()
    page.fill("#sms_code", latest_code("sms"))
    page.fill("#password", PASSWORD)
    page.fill("#password_confirm", PASSWORD)
    page.check("#agreed")
    snap(page, "01-register-person")
    page.get_by_role("button", name="提交注册").click()
    page.wait_for_url("**/register/done")
    assert "注册成功" in page.content() and "139****9000" in page.content()
    snap(page, "02-register-done")


def test_oidcc_server_browser_register_then_sign_in_to_sample(page, sample_url, idp_url, tmp_path):
    register(page, idp_url)
    page.goto(sample_url + "/")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(re.escape(idp_url) + r"/interaction/[^/]+/login"))
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.fill("#identifier", MOBILE)
    page.fill("#password", PASSWORD)
    snap(page, "03-login")
    page.locator("form button.primary").click()
    page.wait_for_url("**/consent")
    snap(page, "04-consent")
    page.get_by_role("button", name="同意并继续").click()
    page.wait_for_url(sample_url + "/")
    assert page.get_by_role("heading", name=f"欢迎，{NAME}").is_visible()
    assert "+86" + MOBILE in page.inner_text("#userinfo-claims")
    snap(page, "05-sample-signed-in")
    shot = tmp_path / "signed-in.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000  # a rendered page, not a blank one
