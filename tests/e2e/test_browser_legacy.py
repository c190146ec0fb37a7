"""Legacy accounts (历史账号) in a real browser: Playwright drives Debian's Chromium against the
IdP and the sample subsystem 商标网上申请, both served on real ports (fixtures of conftest.py and
test_browser.py).

The legacy account is imported the way production gets it: ``idp legacy import FILE`` on a CSV
export with the legacy system's MD5 hash (L1), against the served IdP's database. The sample asks
for the ``trademark`` scope, so it is registered here allowing it (the claim ``legacy_account``,
L6/L7). Only auto-waiting, no timing assertions. Each test is self-contained.
"""
from __future__ import annotations

import csv
import hashlib
import re

import pytest

from clients.trademark_application import create_app as create_sample
from idp.domain import clients
from test_browser import latest_code, page  # noqa: F401  (page is a fixture)

LEGACY_PASSWORD = "Legacy-pass-2026"
NEW_PASSWORD = "Lantern-river-43"
NATURAL = dict(legacy_id="tm_liuyi", type="natural", name="刘一", id_type="resident_id",
               id_number="110108198805120033", mobile="13800138030",
               email="liuyi@example.com", street="北京市海淀区知春路 1 号", postal_code="100083",
               registered_at="2019-03-01 10:00:00")
PHONE = {"width": 375, "height": 740}


@pytest.fixture
def trademark_sample(app, idp_slot, idp_url, serve):
    """The sample served and registered with the ``trademark`` scope it asks for; its URL."""
    idp_slot.app = app
    slot = type(idp_slot)()  # conftest's Slot: filled in once the port is known
    url = serve(slot)
    client, secret = clients.create_client(
        name="商标网上申请", redirect_uris=[url + "/callback"], post_logout_redirect_uris=[url + "/"],
        backchannel_logout_uri=url + "/backchannel-logout",
        scope="openid profile email phone trademark")
    slot.app = create_sample({"issuer": idp_url, "client_id": client.client_id,
                              "client_secret": secret, "base_url": url})
    return url


def import_legacy(app, tmp_path, row: dict) -> None:
    """L1: one exported account through the import CLI; the MD5 hash as the legacy system kept
    it."""
    row = {**row, "password_hash": hashlib.md5(LEGACY_PASSWORD.encode()).hexdigest()}
    export = tmp_path / "legacy.csv"
    with export.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
    result = app.test_cli_runner().invoke(args=["legacy", "import", str(export)])
    assert result.exit_code == 0, result.output
    assert "新增 1" in result.output


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def choose_address(page) -> None:
    """One level at a time, as without JavaScript: choose, then "更新地址选项"."""
    page.select_option("#province", "110000")
    page.get_by_role("button", name="更新地址选项").click()
    page.select_option("#city", "110100")
    page.get_by_role("button", name="更新地址选项").click()
    page.select_option("#county", "110108")


def test_s2_natural_legacy_journey_in_a_browser(page, trademark_sample, idp_url, app,  # noqa: F811
                                                tmp_path):
    import_legacy(app, tmp_path, NATURAL)
    page.goto(trademark_sample + "/")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(re.escape(idp_url) + r"/interaction/[^/]+/login"))
    page.get_by_role("link", name="自然人", exact=True).click()
    page.get_by_role("link", name="历史账号", exact=True).click()
    page.wait_for_url("**method=legacy**")
    page.get_by_label("历史账号", exact=True).fill(NATURAL["legacy_id"])
    page.get_by_label("历史账号密码").fill(LEGACY_PASSWORD)
    page.locator("form button.primary").click()

    # S1: the supplementation page, prefilled, with its progress indicator
    page.wait_for_url(re.compile(re.escape(idp_url) + r"/supplement/[^/?]+$"))
    progress = page.get_by_role("list", name="信息补录进度")
    assert "历史账号登录" in progress.inner_text()
    assert progress.locator('[aria-current="step"]').inner_text() == "完善信息"
    assert NATURAL["legacy_id"] in page.inner_text("main")
    assert page.input_value("#name") == NATURAL["name"]
    assert page.input_value("#id_number") == NATURAL["id_number"]
    assert page.input_value("#id_type") == "resident_id"
    assert page.input_value("#phone") == NATURAL["mobile"]
    assert page.input_value("#email") == NATURAL["email"]
    assert page.input_value("#street") == NATURAL["street"]
    assert page.input_value("#postal_code") == NATURAL["postal_code"]
    page.set_viewport_size(PHONE)  # a phone: the form fits, no sideways scrolling
    assert no_horizontal_scroll(page)
    page.set_viewport_size({"width": 900, "height": 1000})

    # S2: the rest, as a person would fill it
    page.fill("#valid_from", "2020-01-01")
    page.fill("#valid_to", "2040-01-01")
    choose_address(page)
    page.get_by_role("button", name="获取邮件验证码").click()
    page.get_by_text("邮件验证码已发送").wait_for()
    page.fill("#email_code", latest_code("mail"))
    page.get_by_role("button", name="获取短信验证码").click()
    page.get_by_text("短信验证码已发送").wait_for()
    page.fill("#sms_code", latest_code("sms"))
    page.fill("#password", NEW_PASSWORD)
    page.fill("#password_confirm", NEW_PASSWORD)
    page.check("#agreed")
    assert page.input_value("#name") == NATURAL["name"]  # nothing lost on the way
    page.get_by_role("button", name="提交并完成").click()

    # S8: the parked sign-in goes on: consent, then back to the sample, the link in the claims
    page.wait_for_url("**/consent")
    page.get_by_role("button", name="同意并继续").click()
    page.wait_for_url(trademark_sample + "/")
    assert page.get_by_role("heading", name=f"欢迎，{NATURAL['name']}").is_visible()
    assert NATURAL["legacy_id"] in page.inner_text("#legacy-account")
    assert "+86" + NATURAL["mobile"] in page.inner_text("#userinfo-claims")
