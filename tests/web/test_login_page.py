"""The login page's three entries and their methods (domain.md login table, G1, G2, P3, P6, S5,
R2): tabs that work without JavaScript, the captcha where the guide shows one, organisation and
handler sign-ins, and what the ID token says about them (OIDC Core §5.1 for the standard
claims; ``organisation``/``acting_for`` are this provider's R2 claims under ``profile``).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from idp.domain.models import HandlerBinding, Organisation, User
from idp.domain.models.user import PENDING_REVIEW
from idp.extensions import db
from idp.services import services
from support import (
    PASSWORD,
    PHONE,
    Browser,
    decode_jwt,
    field_error,
    form_fields,
    make_user,
    page_error,
    query,
)

ANSWER = "2468"
USCC_A, USCC_B = "91350100M000100Y43", "91110000802100433B"
GENERIC = "账号或密码错误"
CAPTCHA_AFTER, MAX_FAILURES = 2, 4


@pytest.fixture
def settings_overrides():
    return {
        "captcha": {"deterministic": True, "deterministic_answer": ANSWER},
        "login": {
            "captcha_after_failures": CAPTCHA_AFTER,
            "max_failures": MAX_FAILURES,
            "lock_seconds": 120,
        },
    }


def mod11_2(digits17: str) -> str:
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(digits17))
    return "10X98765432"[total % 11]


FOREIGN_2023 = "911840" + "19800101" + "001"
DOCUMENTS = [  # (type, number as registered, the same number as someone might type it)
    ("resident_id", "11010519491231002X", "110105 19491231 002x"),
    ("hk_macau_permit", "H12345678", "h1234 5678"),
    ("taiwan_permit", "12345678", "1234 5678"),
    ("passport", "E12345678", "e12345678"),
    (
        "foreign_permanent_residence",
        FOREIGN_2023 + mod11_2(FOREIGN_2023),
        " " + FOREIGN_2023 + mod11_2(FOREIGN_2023).lower(),
    ),
]


def make_organisation(
    kind: str, uscc: str, name: str, *, status: str = "active", password: str = PASSWORD
) -> Organisation:
    """An organisation account straight from the models (users row + organisations row)."""
    from idp.domain.accounts import passwords
    from idp.domain.identity import documents

    now = dt.datetime.fromtimestamp(services().clock.now(), dt.UTC)
    user = User(
        user_type=kind,
        name=name,
        password_hash=passwords.hash_password(password),
        status=status,
        created_at=now,
        updated_at=now,
    )
    org = Organisation(
        user=user,
        kind=kind,
        category="enterprise",
        name=name,
        uscc_enc=services().cipher.encrypt(uscc, "uscc"),
        uscc_bidx=services().blind_index(uscc, "uscc"),
        uscc_masked=documents.mask_uscc(uscc),
        rep_name="王五",
        rep_id_type="resident_id",
        rep_id_number_enc="x",
        rep_id_number_masked="1101**********002X",
        active=True,
        created_at=now,
        verified_at=now,
        verified_by="register",
    )  # as registration checks (R2)
    db.session.add(org)
    db.session.commit()
    return org


def bind(org: Organisation, handler: User) -> None:
    now = dt.datetime.fromtimestamp(services().clock.now(), dt.UTC)
    db.session.add(
        HandlerBinding(
            organisation_id=org.id,
            handler_id=handler.id,
            for_agency=org.kind == "agency",
            active=True,
            created_at=now,
        )
    )
    db.session.commit()


def page(browser, path="/login", **args):
    response = browser.http.get(path, query_string=args)
    assert response.status_code == 200
    return response


def post(browser, page_response, **data):
    return browser.submit(page_response, **data)


TOGGLE = r'<form id="text-size"[^>]*>'


def alert(response) -> str | None:
    return page_error(response)


def captcha_refused(response) -> bool:
    """A wrong or missing captcha: its own field's error, linked from the summary, and no
    page-level message (issue 13: each error linked to its field)."""
    html = response.get_data(as_text=True)
    return (
        field_error(response, "captcha") == "验证码错误，请重新输入。"
        and '<a href="#captcha">验证码错误，请重新输入。</a>' in html
        and alert(response) is None
    )


def signed_in(browser) -> bool:
    return browser.http.get("/account").status_code == 200


def interaction_page(browser, rp, scope="openid profile", **args):
    response = browser.authorize(rp, scope=scope)
    assert response.location.endswith("/login")
    return page(browser, response.location, **args)


def id_token_after(browser, rp, response) -> dict:
    if response.location.endswith("/consent"):
        response = browser.consent(response)
    code = query(response.location)["code"]
    token = browser.exchange(rp, code)
    assert token.status_code == 200
    return decode_jwt(token.get_json()["id_token"])


# --- the page ----------------------------------------------------------------------------------


def test_g_login_page_entries_are_links_and_personal_is_default(browser):
    html = page(browser).get_data(as_text=True)
    # works without script: the one script is the local forms.js, deferred, nothing inline
    assert re.findall(r"<script[^>]*>[^<]*", html) == ['<script src="/static/forms.js" defer>']
    for label, href in (
        ("自然人", 'href="/login"'),
        ("法人", "entry=legal"),
        ("代理机构", "entry=agency"),
    ):
        assert label in html and href in html
    first_form = re.search(r"<form.*?</form>", html, flags=re.S).group(0)
    assert 'name="identifier"' in first_form and 'autocomplete="username"' in first_form
    assert 'autocomplete="current-password"' in first_form
    assert 'name="captcha"' not in html  # no captcha on the personal entry by default
    assert "历史账号" in html and "忘记密码" in html and "/login/forgot" in html
    legal = page(browser, entry="legal").get_data(as_text=True)
    assert "统一社会信用代码" in legal and 'name="captcha"' in legal
    assert re.search(r'<img src="/captcha/[^"]+\.png"', legal)
    assert "经办人登录" in legal and "method=handler" in legal
    agency = page(browser, entry="agency").get_data(as_text=True)
    assert "备案的统一社会信用代码" in agency and 'name="captcha"' in agency


def test_g_legacy_method_is_a_login_form_on_each_entry(browser, user):
    html = page(browser, method="legacy").get_data(as_text=True)
    assert "历史账号密码" in html and 'name="password"' in html and 'name="captcha"' not in html
    assert "即将开放" not in html
    legal = page(browser, entry="legal", method="legacy").get_data(as_text=True)
    assert "历史账号中登记的统一社会信用代码" in legal and 'name="captcha"' in legal
    agency = page(browser, entry="agency", method="legacy").get_data(as_text=True)
    assert "备案的统一社会信用代码" in agency and 'name="captcha"' in agency


def test_g_forgot_password_link_of_each_entry_leads_to_its_reset(browser):
    """忘记密码 on the login page opens the reset of that entry's accounts (issue 13; the
    journeys: tests/web/test_password_reset.py), and keeps the 历史账号 reset (L8)."""
    login = page(browser, entry="legal").get_data(as_text=True)
    assert 'href="/login/forgot?entry=legal"' in login
    html = page(browser, "/login/forgot", entry="legal").get_data(as_text=True)
    assert "忘记密码（法人）" in html and 'name="identifier"' in html and 'name="contact"' in html
    assert "/login/forgot/legacy?entry=legal" in html and "即将开放" not in html


def test_g2_help_page_explains_entries(browser):
    assert "/help/login" in page(browser).get_data(as_text=True)
    assert "登录遇到问题？" in page(browser).get_data(as_text=True)
    html = page(browser, "/help/login").get_data(as_text=True)
    for text in (
        "自然人",
        "法人",
        "代理机构",
        "经办人",
        "统一社会信用代码",
        "备案",
        "居民身份证",
        "港澳居民来往内地通行证",
        "台湾居民来往大陆通行证",
        "普通护照",
        "外国人永久居留身份证",
        "历史账号",
        "我的用户",
        "010-63218500",
        "验证码",
        "变更为代理机构",
    ):
        assert text in html, text


# --- personal entry (G1) -------------------------------------------------------------------------


@pytest.mark.parametrize("id_type, number, typed", DOCUMENTS, ids=[d[0] for d in DOCUMENTS])
def test_g1_login_with_each_document_type(browser, id_type, number, typed):
    make_user(id_type=id_type, id_number=number)
    response = post(browser, page(browser), identifier=typed, password=PASSWORD)
    assert response.status_code == 302 and response.location.endswith("/account")
    assert signed_in(browser)


def test_g1_login_with_mobile_or_id_number(app, rp):
    person = make_user(id_type="resident_id", id_number="11010519491231002X")
    subs = []
    for identifier in ("+86 138-0013-8000", PHONE, "11010519491231002x"):
        browser = Browser(app)
        response = post(
            browser, interaction_page(browser, rp), identifier=identifier, password=PASSWORD
        )
        claims = id_token_after(browser, rp, response)
        subs.append(claims["sub"])
        assert claims["user_type"] == "natural" and claims["verified"] is False
        assert "organisation" not in claims and "acting_for" not in claims
    assert subs == [person.sub] * 3


def test_g_personal_captcha_after_failures_of_this_browser(browser, user):
    for i in range(CAPTCHA_AFTER):
        assert alert(
            post(browser, page(browser), identifier=PHONE, password=f"Wrong-password-{i}")
        ).startswith(GENERIC)
    form = page(browser)
    assert 'name="captcha"' in form.get_data(as_text=True)
    refused = post(browser, form, identifier=PHONE, password=PASSWORD, captcha="1111")
    assert captcha_refused(refused) and not signed_in(browser)
    assert 'name="captcha"' in refused.get_data(as_text=True)  # a new one comes with the form
    response = post(browser, refused, identifier=PHONE, password=PASSWORD, captcha=ANSWER)
    assert response.status_code == 302 and signed_in(browser)
    # a success clears the counter: no captcha on the next visit
    assert 'name="captcha"' not in page(browser).get_data(as_text=True)


def test_g_personal_captcha_after_failures_of_this_account(app, user):
    attacker = Browser(app)
    for i in range(CAPTCHA_AFTER):
        post(attacker, page(attacker), identifier=PHONE, password=f"Wrong-password-{i}")
    fresh = Browser(app)  # another browser, same account: the account's failures count too
    refused = post(fresh, page(fresh), identifier=PHONE, password=PASSWORD)
    assert captcha_refused(refused) and not signed_in(fresh)
    response = post(fresh, refused, identifier=PHONE, password=PASSWORD, captcha=ANSWER)
    assert response.status_code == 302 and signed_in(fresh)


# --- organisation entries ------------------------------------------------------------------------


def test_g_legal_person_entry_always_asks_for_the_captcha(browser, rp):
    org = make_organisation("legal", USCC_A, "甲公司")
    form = interaction_page(browser, rp, entry="legal")
    for answer in (None, "1111"):
        data = {"identifier": USCC_A, "password": PASSWORD}
        if answer:
            data["captcha"] = answer
        refused = post(browser, form, **data)
        assert refused.status_code == 200 and captcha_refused(refused)
        form = refused
    # wrong captchas are no password failures: the account is not locked
    for _ in range(MAX_FAILURES):
        form = post(browser, form, identifier=USCC_A, password=PASSWORD, captcha="1111")
    response = post(browser, form, identifier=USCC_A.lower(), password=PASSWORD, captcha=ANSWER)
    claims = id_token_after(browser, rp, response)
    assert claims["sub"] == org.user.sub and claims["user_type"] == "legal"
    assert claims["verified"] is True and "acting_for" not in claims
    assert claims["organisation"] == {
        "name": "甲公司",
        "type": "legal",
        "uscc": "9135**********0Y43",
    }
    assert USCC_A not in str(claims)


def test_g_agency_entry_takes_agency_accounts_only(app):
    make_organisation("legal", USCC_A, "甲公司")
    make_organisation("agency", USCC_B, "乙代理")
    browser = Browser(app)
    wrong_kind = post(
        browser, page(browser, entry="agency"), identifier=USCC_A, password=PASSWORD, captcha=ANSWER
    )
    assert alert(wrong_kind).startswith(GENERIC) and not signed_in(browser)
    wrong_kind = post(
        browser, page(browser, entry="legal"), identifier=USCC_B, password=PASSWORD, captcha=ANSWER
    )
    assert alert(wrong_kind).startswith(GENERIC) and not signed_in(browser)
    response = post(
        browser, page(browser, entry="agency"), identifier=USCC_B, password=PASSWORD, captcha=ANSWER
    )
    assert response.status_code == 302 and signed_in(browser)


def test_s5_pending_review_message_only_after_the_right_password(browser):
    make_organisation("legal", USCC_A, "丙公司", status=PENDING_REVIEW)
    wrong = post(
        browser,
        page(browser, entry="legal"),
        identifier=USCC_A,
        password="Wrong-password-1",
        captcha=ANSWER,
    )
    unknown = post(
        browser, page(browser, entry="legal"), identifier=USCC_B, password=PASSWORD, captcha=ANSWER
    )
    assert alert(wrong) == alert(unknown) and alert(wrong).startswith(GENERIC)
    right = post(
        browser, page(browser, entry="legal"), identifier=USCC_A, password=PASSWORD, captcha=ANSWER
    )
    assert "审核中" in alert(right) and not signed_in(browser)


def test_g_organisation_login_locked_with_the_generic_message(browser):
    make_organisation("legal", USCC_A, "甲公司")
    failures = [
        post(
            browser,
            page(browser, entry="legal"),
            identifier=USCC_A,
            password=f"Wrong-password-{i}",
            captcha=ANSWER,
        )
        for i in range(MAX_FAILURES)
    ]
    locked = post(
        browser, page(browser, entry="legal"), identifier=USCC_A, password=PASSWORD, captcha=ANSWER
    )
    assert {alert(r) for r in failures + [locked]} == {alert(locked)}
    assert not signed_in(browser)


# --- handlers (P3, P6, R2) -----------------------------------------------------------------------


def test_p3_handler_chooses_organisation_and_id_token_says_acting_for(browser, rp):
    handler = make_user(id_type="resident_id", id_number="11010519491231002X")
    first, second = (
        make_organisation("legal", USCC_A, "甲公司"),
        make_organisation("legal", USCC_B, "乙公司"),
    )
    bind(first, handler)
    bind(second, handler)
    form = interaction_page(browser, rp, entry="legal", method="handler")
    assert "经办人手机号码或证件号码" in form.get_data(as_text=True)
    response = post(browser, form, identifier=PHONE, password=PASSWORD, captcha=ANSWER)
    assert response.status_code == 302 and response.location.endswith("/login/organisation")
    choice = browser.follow(response)
    html = choice.get_data(as_text=True)
    assert "甲公司" in html and "乙公司" in html
    tampered = post(browser, choice, organisation=str(handler.id))
    assert tampered.status_code == 200 and not signed_in(browser)
    response = post(browser, choice, organisation=str(second.user_id))
    claims = id_token_after(browser, rp, response)
    assert claims["sub"] == handler.sub and claims["user_type"] == "natural"
    assert claims["acting_for"] == {"sub": second.user.sub, "name": "乙公司", "verified": True}
    assert claims["organisation"] == {
        "name": "乙公司",
        "type": "legal",
        "uscc": "9111**********433B",
    }


def test_p3_handler_with_one_organisation_acts_for_it_directly(browser, rp):
    handler = make_user()
    org = make_organisation("agency", USCC_B, "乙代理")
    bind(org, handler)
    form = interaction_page(browser, rp, entry="agency", method="handler")
    response = post(browser, form, identifier=PHONE, password=PASSWORD, captcha=ANSWER)
    claims = id_token_after(browser, rp, response)
    assert claims["acting_for"]["sub"] == org.user.sub
    assert claims["organisation"]["type"] == "agency"


def test_p6_agency_entry_refuses_handler_bound_only_to_a_legal_person(browser, rp):
    handler = make_user()
    bind(make_organisation("legal", USCC_A, "甲公司（实为代理机构）"), handler)
    form = interaction_page(browser, rp, entry="agency", method="handler")
    refused = post(browser, form, identifier=PHONE, password=PASSWORD, captcha=ANSWER)
    assert refused.status_code == 200 and "重新绑定经办人" in alert(refused)
    assert not signed_in(browser)
    legal = interaction_page(browser, rp, entry="legal", method="handler")
    response = post(browser, legal, identifier=PHONE, password=PASSWORD, captcha=ANSWER)
    assert id_token_after(browser, rp, response)["organisation"]["type"] == "legal"


def test_p3_handler_without_bindings_is_told_so_and_not_signed_in(browser, user):
    response = post(
        browser,
        page(browser, entry="legal", method="handler"),
        identifier=PHONE,
        password=PASSWORD,
        captcha=ANSWER,
    )
    assert "经办人" in alert(response) and not signed_in(browser)


def test_r2_personal_sign_in_carries_no_organisation(browser, rp, user):
    action, _ = form_fields(interaction_page(browser, rp).get_data(as_text=True))
    assert "entry=" not in action
    response = post(browser, interaction_page(browser, rp), identifier=PHONE, password=PASSWORD)
    claims = id_token_after(browser, rp, response)
    assert "acting_for" not in claims and "organisation" not in claims


# --- labels and the organisation throttle key (login table, G2) --------------------------------


def _label(html: str) -> str:
    return re.search(r'<label for="identifier">([^<]*)</label>', html).group(1)


def test_g_each_entry_and_method_labels_its_identifier(browser):
    legal = page(browser, entry="legal").get_data(as_text=True)
    assert _label(legal) == "统一社会信用代码/组织机构代码"
    hint = re.search(r'<p class="hint" id="identifier-hint">([^<]*)</p>', legal)
    assert hint and hint.group(1) == "境外机构请填写注册时获得的账号"
    assert 'aria-describedby="identifier-hint"' in legal
    expected = {
        "personal": "历史账号",
        "legal": "历史账号中登记的统一社会信用代码（无统一社会信用代码的填写历史账号）",
        "agency": "在商标局备案的统一社会信用代码",
    }
    for entry, label in expected.items():
        html = page(browser, entry=entry, method="legacy").get_data(as_text=True)
        assert _label(html) == label and 'id="identifier-hint"' not in html
    for args in ({}, {"entry": "agency"}, {"entry": "legal", "method": "handler"}):
        assert 'id="identifier-hint"' not in page(browser, **args).get_data(as_text=True)
    help_html = page(browser, "/help/login").get_data(as_text=True)
    for text in (
        "组织机构代码",
        "境外机构请填写注册时获得的账号",
        "历史账号中登记的统一社会信用代码（无统一社会信用代码的填写历史账号）",
        "在商标局备案的统一社会信用代码",
        'id="legacy"',
    ):
        assert text in help_html, text


def test_g_organisation_code_and_uscc_share_one_lock(browser, clock):
    org = make_organisation("legal", USCC_A, "甲公司")
    from idp.domain.organisations import accounts as org_accounts

    code = USCC_A[8:17]
    org.org_code_bidx = org_accounts.org_code_index(code)
    db.session.commit()
    forms = [USCC_A, code, f"{code[:8]}-{code[8]}", USCC_A.lower()]
    for i in range(MAX_FAILURES):  # alternating forms: each one alone stays under the limit
        refused = post(
            browser,
            page(browser, entry="legal"),
            identifier=forms[i % 3],
            password=f"Wrong-password-{i}",
            captcha=ANSWER,
        )
        assert alert(refused).startswith(GENERIC)
    for identifier in forms:  # the right password in any form: locked, the generic message
        locked = post(
            browser,
            page(browser, entry="legal"),
            identifier=identifier,
            password=PASSWORD,
            captcha=ANSWER,
        )
        assert alert(locked).startswith(GENERIC) and not signed_in(browser)
    other = Browser(browser.app)  # another organisation at the legal entry is not locked
    make_organisation("legal", USCC_B, "乙公司")
    response = post(
        other, page(other, entry="legal"), identifier=USCC_B, password=PASSWORD, captcha=ANSWER
    )
    assert response.status_code == 302 and signed_in(other)
    clock.advance(121)
    response = post(
        browser,
        page(browser, entry="legal"),
        identifier=forms[2],
        password=PASSWORD,
        captcha=ANSWER,
    )
    assert response.status_code == 302 and signed_in(browser)
