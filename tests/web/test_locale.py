"""The UI language (OIDC Core §3.1.2.1 ``ui_locales``; Flask-Babel English catalog).

Chinese is the source language; English comes from idp/translations. The choice, strongest
first: the visitor's 中文 / English switch (a cookie), the ``ui_locales`` of the parked
authorization request, the Accept-Language header, else Chinese. ``<html lang>`` follows it.
"""

from __future__ import annotations

import re

from support import PASSWORD, PHONE


def open_login(browser, rp, **params):
    """Authorize, then follow the interaction's redirects to the login page."""
    page = browser.authorize(rp, **params)
    while page.status_code in (302, 303):
        page = browser.http.get(page.location)
    assert page.status_code == 200 and "/login" in page.request.path
    return page


def html_lang(page) -> str:
    return re.search(r'<html lang="([^"]+)"', page.get_data(as_text=True)).group(1)


def test_oidcc_ui_locales_en_login_page_in_english(app, browser, rp):
    page = open_login(browser, rp, ui_locales="en")
    text = page.get_data(as_text=True)
    assert html_lang(page) == "en"
    assert "Sign in" in text and "Mobile number or ID number" in text and "Password" in text
    assert "用户登录" not in text and "忘记密码" not in text


def test_oidcc_ui_locales_en_followed_through_consent(app, browser, rp, user):
    page = open_login(browser, rp, ui_locales="fr-CA en", scope="openid phone")
    wrong = browser.submit(page, identifier=PHONE, password="wrong-" + PASSWORD)
    assert "Wrong account or password" in wrong.get_data(as_text=True)
    assert html_lang(wrong) == "en"  # the re-rendered form still knows the parked request
    consent = browser.http.get(browser.submit(wrong, identifier=PHONE, password=PASSWORD).location)
    text = consent.get_data(as_text=True)
    assert "Allow and continue" in text and "asks for the following information" in text
    assert "Your mobile number and whether it is verified" in text  # a scope label


def test_oidcc_ui_locales_zh_beats_english_browser(app, browser, rp):
    browser.http.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-US,en;q=0.9"
    page = open_login(browser, rp, ui_locales="zh-CN")
    assert html_lang(page) == "zh-CN" and "用户登录" in page.get_data(as_text=True)


def test_accept_language_en_gives_english(app, client):
    page = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert html_lang(page) == "en" and "Trouble signing in?" in page.get_data(as_text=True)
    register = client.get("/register/person", headers={"Accept-Language": "en"})
    assert "Individual registration" in register.get_data(as_text=True)


def test_default_is_chinese(app, client):
    for headers in (
        {},
        {"Accept-Language": "fr-FR,de;q=0.8"},
        {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"},
    ):
        page = client.get("/login", headers=headers)
        text = page.get_data(as_text=True)
        assert html_lang(page) == "zh-CN" and "用户登录" in text and "Trouble signing" not in text


def test_language_switch_sets_cookie_and_returns(app, client):
    page = client.get("/login?entry=legal").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)"[^>]*>English</a>', page).group(1).replace("&amp;", "&")
    switched = client.get(link)
    assert switched.status_code == 302 and switched.location == "/login?entry=legal"
    assert "idp_lang=en" in switched.headers["Set-Cookie"]
    assert "HttpOnly" in switched.headers["Set-Cookie"]
    english = client.get(switched.location, headers={"Accept-Language": "zh-CN"})
    assert html_lang(english) == "en" and "Unified social credit code" in english.get_data(
        as_text=True
    )
    back = re.search(r'<a href="([^"]+)"[^>]*>中文</a>', english.get_data(as_text=True)).group(1)
    client.get(back.replace("&amp;", "&"))
    assert "统一社会信用代码" in client.get("/login?entry=legal").get_data(as_text=True)


def test_language_switch_is_no_open_redirect(app, client):
    for target in (
        "https://evil.example.test/",
        "//evil.example.test/",
        "/\\evil",
        "",
        "/no/such/page",
        "/register/codes/sms",
    ):  # the last answers POST only
        answer = client.get("/lang/en", query_string={"next": target})
        assert answer.status_code == 302 and answer.location == "/account"
    assert client.get("/lang/fr").status_code == 404


def test_language_switch_echoes_no_query(app, client):
    """Only the login page's tabs travel in the switch's link, never ``state`` or a token."""
    page = client.get(
        "/login",
        query_string={
            "entry": "agency",
            "method": "handler",
            "state": "s-123",
            "id_token_hint": "eyJx",
        },
    )
    text = page.get_data(as_text=True)
    assert "s-123" not in text and "eyJx" not in text
    link = re.search(r'<a href="([^"]+)"[^>]*>English</a>', text).group(1).replace("&amp;", "&")
    assert client.get(link).location == "/login?entry=agency&method=handler"


def test_english_catalog_is_compiled():
    """The committed .mo matches the .po (``./scripts/translations compile``)."""
    from pathlib import Path

    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    folder = Path(__file__).resolve().parents[2] / "idp/translations/en/LC_MESSAGES"
    with open(folder / "messages.po", "rb") as po, open(folder / "messages.mo", "rb") as mo:
        source, compiled = read_po(po), read_mo(mo)
    wanted = {m.id: m.string for m in source if m.id and m.string and not m.fuzzy}
    assert wanted and {m.id: m.string for m in compiled if m.id} == wanted
