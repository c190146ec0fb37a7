"""Onboarding a subsystem in a real browser (R1, issue 12): a system administrator opens 业务系统,
registers a subsystem whose redirect URI carries a fragment, is shown the refusal at that field
(the summary links to it), corrects it and sees the client_secret once; then edits the
subsystem. The list, the form (with and without errors), the secret page and the edit page pass
axe-core's WCAG 2.1 A/AA rules at a desktop width and at 360 px without scrolling sideways.
Skipped like the other browser tests where Chromium is absent and CI is not set."""

from __future__ import annotations

import time

from browserkit import accessible_at_both_widths, open_page

from adminkit import ADMIN_PASSWORD, make_admin
from idp.domain.admins import totp
from idp.domain.clients import registry
from idp.domain.models import Client
from idp.extensions import db
from support import make_relying_party

REDIRECT = "https://query.example.test/callback"


def test_r1_system_admin_onboards_a_subsystem_in_the_browser(app, idp_slot, idp_url):
    idp_slot.app = app
    _admin_id, secret = make_admin("ops.wang")
    make_relying_party(name="商标网上申请", batch="第一批")
    with open_page() as page:
        onboard(page, idp_url, secret)


def onboard(page, idp_url: str, secret: str) -> None:
    page.goto(idp_url + "/admin/subsystems")
    page.wait_for_url("**/admin/login**")
    page.get_by_label("用户名").fill("ops.wang")
    page.get_by_label("密码").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="下一步").click()
    page.wait_for_url("**/admin/login/code**")
    page.get_by_label("动态验证码（6 位数字）").fill(totp.code_at(secret, time.time()))
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(idp_url + "/admin/subsystems")
    accessible_at_both_widths(page, "subsystem list")

    page.get_by_role("link", name="新增业务系统").click()
    page.wait_for_url(idp_url + "/admin/subsystems/new")
    accessible_at_both_widths(page, "new subsystem form")
    page.get_by_label("名称").fill("商标网上查询")
    page.get_by_label("批次（可不填）").fill("第二批")
    page.get_by_label("回调地址 redirect_uri").fill(REDIRECT + "#top")
    page.get_by_role("button", name="登记业务系统").click()
    summary = page.get_by_role("alert")
    assert "片段" in summary.inner_text()
    assert page.get_by_label("回调地址 redirect_uri").get_attribute("aria-invalid") == "true"
    accessible_at_both_widths(page, "new subsystem form with an error")
    assert db.session.query(Client).count() == 1

    summary.get_by_role("link").click()  # the summary's link leads to the field
    page.get_by_label("回调地址 redirect_uri").fill(REDIRECT)
    page.get_by_role("button", name="登记业务系统").click()
    page.wait_for_url("**/admin/subsystems/secret*")  # the summary link's #fragment stays
    assert page.get_by_role("heading", name="业务系统已登记").is_visible()
    accessible_at_both_widths(page, "secret shown once")
    client_id = page.locator("main code").first.inner_text()
    shown = page.locator("main code").nth(1).inner_text()
    db.session.expire_all()
    stored = registry.get(client_id)
    assert stored.check_client_secret(shown) and not stored.enabled

    page.get_by_role("link", name="返回业务系统列表").click()
    page.get_by_role("link", name="编辑 商标网上查询").click()
    page.wait_for_url(f"{idp_url}/admin/subsystems/{client_id}/edit")
    accessible_at_both_widths(page, "edit subsystem form")
    page.get_by_label("名称").fill("商标网上查询系统")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(idp_url + "/admin/subsystems?done=updated")
    assert page.get_by_role("heading", name="商标网上查询系统").is_visible()
    accessible_at_both_widths(page, "subsystem list after the edit")
