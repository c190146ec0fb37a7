"""The words of domain and protocol errors in the visitor's language (issue 10, item 5): the
English UI says English for a refusal (it said Chinese before), the Chinese UI the same Chinese
as ever."""

from __future__ import annotations

import re

import pytest

from idp.domain.accounts import users as accounts
from idp.services import services
from idp.web.locale import LANG_COOKIE
from support import PASSWORD, form_fields

ID_NUMBER = "110105198001010032"
S3_ZH = (
    "用户已经存在：该证件号码或手机号码已注册。由于证件号码、手机号码都可以作为登录凭证，"
    "不允许重复。"
)
S3_EN = "The user already exists: this document number or mobile number is registered."


def person(**changes) -> dict:
    return {
        **dict(
            id_type="resident_id",
            name="李四",
            id_number=ID_NUMBER,
            valid_from="2020-01-01",
            valid_to="2040-01-01",
            province="110000",
            city="110100",
            county="110105",
            street="朝阳路 1 号",
            postal_code="100020",
            email="li.si@example.com",
            phone="13900139000",
            password=PASSWORD,
            password_confirm=PASSWORD,
            agreed="y",
        ),
        **changes,
    }


def _csrf(client) -> str:
    return form_fields(client.get("/register/person").get_data(as_text=True))[1]["csrf_token"]


def register_with_taken_mobile(client) -> str:
    accounts.create_natural_person(name="张三", phone="13900139000", password=PASSWORD)
    data = person()
    client.post("/register/codes/sms", data={**data, "csrf_token": _csrf(client)})
    sms = services().sms.outbox.latest()[0]["params"]["code"]
    client.post("/register/codes/mail", data={**data, "csrf_token": _csrf(client)})
    mail = re.search(r"(\d{6})", services().mail.outbox.latest()[0]["body"]).group(1)
    page = client.post(
        "/register/person",
        data={
            **data,
            "sms_code": sms,
            "email_code": mail,
            "csrf_token": _csrf(client),
            "submit": "1",
        },
    )
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_s3_taken_mobile_is_told_in_english_on_the_english_ui(app, client):
    client.set_cookie(LANG_COOKIE, "en")
    page = register_with_taken_mobile(client)
    assert S3_EN in page and "用户已经存在" not in page


def test_s3_taken_mobile_is_told_in_the_same_chinese_on_the_chinese_ui(app, client):
    page = register_with_taken_mobile(client)
    assert S3_ZH in page


@pytest.mark.parametrize(
    "lang, words",
    [
        (
            "en",
            "Invalid mobile number: a mainland China mobile number has 11 digits starting with 1.",
        ),
        ("zh", "手机号码格式不正确：应为 1 开头的 11 位中国大陆手机号码。"),
    ],
)
def test_d2_field_refusal_in_the_visitors_language(app, client, lang, words):
    client.set_cookie(LANG_COOKIE, lang)
    page = client.post(
        "/register/person",
        data={**person(phone="12345"), "csrf_token": _csrf(client), "submit": "1"},
    )
    assert words in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "lang, title, words",
    [
        ("en", "Cannot continue signing in", "Unknown application"),
        ("zh", "无法继续登录", "未知的应用：client_id 无效或该应用尚未启用。"),
    ],
)
def test_unsafe_authorization_request_page_in_the_visitors_language(
    app, client, lang, title, words
):
    client.set_cookie(LANG_COOKIE, lang)
    page = client.get(
        "/authorize",
        query_string={
            "client_id": "no-such-client",
            "redirect_uri": "https://rp.example/cb",
            "response_type": "code",
            "scope": "openid",
        },
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and words in html and title in html


@pytest.mark.parametrize(
    "lang, words",
    [
        ("en", "The sign-in request has expired"),
        ("zh", "登录请求已过期或无效，请返回应用重新发起登录。"),
    ],
)
def test_expired_sign_in_404_names_what_expired_in_the_visitors_language(app, client, lang, words):
    client.set_cookie(LANG_COOKIE, lang)
    page = client.get("/interaction/no-such-id")
    assert page.status_code == 404 and words in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "lang", "words", "absent"),
    [
        ("/register/person", "en", "Resident ID Card", "居民身份证"),
        ("/register/person", "zh", "居民身份证", "Resident ID Card"),
        ("/register/org/legal", "en", "Enterprise", "社会团体"),
    ],
)
def test_choice_labels_in_the_visitors_language(app, client, path, lang, words, absent):
    """Document types (D1) and organisation categories are words of the web layer: the English
    pages list them in English."""
    client.set_cookie(LANG_COOKIE, lang)
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    assert words in page and absent not in page
