"""忘记密码 → 历史账号 (L8) and the help page (L9).

A code goes to the contact STORED on the legacy account, only when the one typed matches it;
otherwise nothing is sent and the page reads the same. The new password becomes argon2id; the
code is single use. Real store, outboxes and database; the settable clock; no mocks.
"""

from __future__ import annotations

import re

import pytest

from idp.domain.accounts import passwords
from idp.domain.legacy import link as legacy_link
from idp.domain.legacy import login as legacy
from idp.domain.legacy import reset as legacy_reset
from idp.domain.legacy.hashes import is_legacy
from idp.domain.models import LegacyAccount
from idp.extensions import db
from idp.services import services
from legacykit import LEGACY_PASSWORD, make_legacy_account
from orgkit import resident_id, uscc
from support import make_user
from wordkit import said

ANSWER = "2468"
NEW = "Fresh-legacy-77"
SAME_WORDS = "如果信息匹配，验证码已发送"


@pytest.fixture
def settings_overrides():
    return {"captcha": {"deterministic": True, "deterministic_answer": ANSWER}}


def sms() -> list[dict]:
    return services().sms.outbox.latest()


def mails() -> list[dict]:
    return services().mail.outbox.latest()


def ask(browser, identifier: str, contact: str, entry: str = "personal", captcha=ANSWER):
    page = browser.http.get("/login/forgot/legacy", query_string={"entry": entry})
    assert page.status_code == 200
    response = browser.submit(page, identifier=identifier, contact=contact, captcha=captcha)
    if response.status_code == 302:
        response = browser.follow(response)
    return response.get_data(as_text=True)


def finish(browser, code: str, password: str = NEW, confirm: str | None = None) -> str:
    page = browser.http.get("/login/forgot/legacy/reset")
    response = browser.submit(
        page, code=code, password=password, password_confirm=confirm or password
    )
    return response.get_data(as_text=True)


def row(account: str = "L0001") -> LegacyAccount:
    db.session.expire_all()
    return db.session.query(LegacyAccount).filter_by(account=account).one()


def test_forgot_page_leads_to_the_legacy_reset(browser):
    html = browser.http.get("/login/forgot", query_string={"entry": "legal"}).get_data(as_text=True)
    assert "/login/forgot/legacy?entry=legal" in html


def test_l8_reset_through_stored_mobile(browser):
    make_legacy_account(mobile="13700137000", id_number=resident_id(1))
    html = ask(browser, "L0001", "137 0013 7000")
    assert SAME_WORDS in html
    [message] = sms()
    assert message["to"] == "13700137000"
    code = message["params"]["code"]
    weak = finish(browser, code, password="short")
    assert "密码长度" in weak and is_legacy(row().password_hash)  # the code is not burnt
    assert "已重置" in finish(browser, code)
    stored = row().password_hash
    assert stored.startswith("$argon2id$") and passwords.verify(NEW, stored)
    assert legacy.check_password(row(), NEW) and not legacy.check_password(row(), LEGACY_PASSWORD)


def test_l8_linked_account_code_goes_to_the_users_current_email_not_the_export(app, browser):
    user = make_user(id_type="resident_id", id_number=resident_id(1), email="now@example.cn")
    account = make_legacy_account(
        email="Old@Example.cn", mobile="13700137000", id_number=resident_id(1)
    )
    legacy_link.link(user, account)
    db.session.commit()
    answers = [ask(browser, "l0001", "old@example.cn"), ask(browser, "l0001", "13700137000")]
    assert mails() == [] and sms() == []  # the export's contacts are no longer asked
    assert all(SAME_WORDS in html for html in answers)
    assert SAME_WORDS in ask(browser, "l0001", "NOW@example.cn")
    [mail] = mails()
    assert mail["to"] == "now@example.cn"
    code = re.search(r"验证码为 (\d{6})", mail["body"]).group(1)
    assert "已重置" in finish(browser, code)
    db.session.expire_all()
    assert passwords.verify(NEW, db.session.get(type(user), user.id).password_hash)
    assert row().user_id == user.id  # the link stays (L3)


def test_l8_linked_account_code_goes_to_the_users_current_mobile(app, browser):
    user = make_user(id_type="resident_id", id_number=resident_id(1))
    legacy_link.link(user, make_legacy_account(mobile="13700137000", id_number=resident_id(1)))
    db.session.commit()
    assert SAME_WORDS in ask(browser, "L0001", "13700137000")
    assert sms() == []
    assert SAME_WORDS in ask(browser, "L0001", user.phone)
    [message] = sms()
    assert message["to"] == user.phone


def test_l8_wrong_contact_sends_nothing_and_says_the_same(browser):
    make_legacy_account(mobile="13700137000", email="old@example.cn", id_number=resident_id(1))
    answers = [
        ask(browser, "L0001", "13700137001"),  # wrong mobile
        ask(browser, "L0001", "other@example.cn"),  # wrong email
        ask(browser, "NO-SUCH", "13700137000"),
    ]  # unknown account
    assert sms() == [] and mails() == []
    strip = [re.sub(r'name="csrf_token"[^>]*>', "", html) for html in answers]
    assert all(SAME_WORDS in html for html in strip) and len(set(strip)) == 1
    before = row().password_hash
    refused = finish(browser, "123456")
    assert said(legacy_reset.CODE_REFUSED) in refused and row().password_hash == before


def test_l8_code_is_single_use_and_wrong_codes_read_the_same(browser):
    make_legacy_account(mobile="13700137000", id_number=resident_id(1))
    ask(browser, "L0001", "13700137000")
    code = sms()[0]["params"]["code"]
    wrong = "000000" if code != "000000" else "111111"
    assert said(legacy_reset.CODE_REFUSED) in finish(browser, wrong)
    assert "已重置" in finish(browser, code)
    replay = browser.http.get("/login/forgot/legacy/reset")  # the flow ended with the reset
    assert replay.status_code == 302 and replay.location.endswith("/login/forgot/legacy")
    ask(browser, "L0001", "13700137000")  # a new flow: the old code is bound to the old one
    if sms()[0]["params"]["code"] != code:
        assert said(legacy_reset.CODE_REFUSED) in finish(browser, code, password="Another-pass-88")
    assert passwords.verify(NEW, row().password_hash)


def test_l8_wrong_captcha_sends_nothing(browser):
    make_legacy_account(mobile="13700137000", id_number=resident_id(1))
    html = ask(browser, "L0001", "13700137000", captcha="0000")
    assert "验证码错误" in html and SAME_WORDS not in html and sms() == []
    assert 'value="L0001"' in html  # nothing lost


def test_l8_legal_entry_by_uscc(browser):
    code = uscc(3)
    make_legacy_account(
        "ORG-3", kind="legal", name="甲公司", id_number=None, uscc=code, mobile="13700137003"
    )
    assert SAME_WORDS in ask(browser, code, "13700137003", entry="legal")
    assert sms()[0]["to"] == "13700137003"


def test_l9_help_names_where_to_look_and_the_helpline(browser):
    html = browser.http.get("/help/login").get_data(as_text=True)
    section = html[html.index('id="legacy-lookup"') :]
    for words in (
        "商标网上申请系统",
        "我的账户",
        "我的用户",
        "历史账号",
        "手机号码",
        "电子邮箱",
        "统一社会信用代码",
        "010-63218500",
    ):
        assert words in section
    form = browser.http.get("/login/forgot/legacy").get_data(as_text=True)
    assert "/help/login#legacy-lookup" in form  # the legacy forms link to it
