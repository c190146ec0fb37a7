"""获取验证码 with forms.js (issue 13; S7): the send-code buttons post only the destination to
their own URL, asking for JSON, with the CSRF token in the X-CSRFToken header, so the page keeps
what was typed (passwords, chosen files). The answer is the page's: the same send, the same
limits, the same words — only as JSON (``web/code_flow.sent`` / ``refused``). Without the token
nothing is sent. Real store and outbox, the settable clock.
"""

from __future__ import annotations

import re

import pytest
from test_org_registration import new_handler, org_data, step1

from idp.domain.organisations import registration as organisations
from idp.extensions import db
from idp.services import services
from orgkit import latest_sms_code, legal_kwargs, org_center, uscc
from supplementkit import completion, legacy_login, natural_legacy, submit
from support import PASSWORD, PHONE, Browser, field_error, form_fields, html_of, make_user

JSON = {"Accept": "application/json"}
MOBILE, EMAIL = "13900139000", "li.si@example.com"
ANSWER = "2468"
# (the form's page, its send URL with {channel}, the channels it has)
FORMS = {
    "registration": ("/register/person", "/register/codes/{channel}", ("sms", "mail")),
    "organisation": ("/register/org/legal", "/register/org/legal/codes/{channel}", ("sms", "mail")),
    "foreign": ("/register/org/foreign", "/register/org/foreign/codes/{channel}", ("sms",)),
    "appeal": ("/appeal", "/appeal/codes/{channel}", ("sms",)),
}
DESTINATION = {"sms": ("phone", MOBILE), "mail": ("email", EMAIL)}


@pytest.fixture
def settings_overrides():
    return {"captcha": {"deterministic": True, "deterministic_answer": ANSWER}}


def token(http, page: str) -> str:
    return form_fields(html_of(http.get(page)))[1]["csrf_token"]


def send_json(http, page: str, url: str, **data):
    return http.post(url, data=data, headers={**JSON, "X-CSRFToken": token(http, page)})


def outbox(channel: str) -> list:
    return getattr(services(), channel).outbox.latest()


def notice_of(response) -> str:
    return re.search(r'<p class="notice" role="status">([^<]*)</p>', html_of(response)).group(1)


CASES = [(name, channel) for name, (_, _, channels) in FORMS.items() for channel in channels]


@pytest.mark.parametrize(("form", "channel"), CASES)
def test_s7_json_send_needs_the_csrf_token(client, form, channel):
    page, url, _ = FORMS[form]
    field, value = DESTINATION[channel]
    url = url.format(channel=channel)
    assert client.post(url, data={field: value}, headers=JSON).status_code == 400
    wrong = {**JSON, "X-CSRFToken": "not-the-token"}
    assert client.post(url, data={field: value}, headers=wrong).status_code == 400
    assert outbox(channel) == []


@pytest.mark.parametrize(("form", "channel"), CASES)
def test_s7_json_send_says_what_the_page_says(app, form, channel):
    page, url, _ = FORMS[form]
    field, value = DESTINATION[channel]
    url = url.format(channel=channel)
    scripted = Browser(app).http
    sent = send_json(scripted, page, url, **{field: value})
    assert sent.status_code == 200 and sent.mimetype == "application/json"
    code_field = "sms_code" if channel == "sms" else "email_code"
    body = sent.get_json()
    assert body["sent"] is True and body["field"] == code_field
    assert body["retry_after"] == services().settings.codes.resend_interval
    assert [m["to"] for m in outbox(channel)] == [value]

    # the same send without script: the page's notice is the JSON's message
    plain = Browser(app).http
    other = "13900139001" if channel == "sms" else "wang.wu@example.com"
    page_answer = plain.post(url, data={field: other, "csrf_token": token(plain, page)})
    assert page_answer.status_code == 200
    assert notice_of(page_answer).startswith(body["message"])  # files: "choose them again"


def test_s7_json_send_keeps_the_resend_limit(client, clock):
    page, url, _ = FORMS["registration"]
    url = url.format(channel="sms")
    assert send_json(client, page, url, phone=MOBILE).status_code == 200
    again = send_json(client, page, url, phone=MOBILE)
    assert again.status_code == 429
    wait = services().settings.codes.resend_interval
    assert again.headers["Retry-After"] == str(wait)
    body = again.get_json()
    assert body == {
        "sent": False,
        "message": f"发送过于频繁，请 {wait} 秒后再试。",
        "field": "sms_code",
        "retry_after": wait,
    }
    # the page without script refuses with the same words, next to the code's field
    plain = client.post(url, data={"phone": MOBILE, "csrf_token": token(client, page)})
    assert field_error(plain, "sms_code") == body["message"]
    assert len(outbox("sms")) == 1
    clock.advance(wait)
    assert send_json(client, page, url, phone=MOBILE).status_code == 200
    assert len(outbox("sms")) == 2


def test_s7_json_send_refuses_a_bad_destination_on_its_field(client):
    page, url, _ = FORMS["registration"]
    refused = send_json(client, page, url.format(channel="sms"), phone="1380013")
    assert refused.status_code == 400
    body = refused.get_json()
    assert body["sent"] is False and body["field"] == "phone"
    plain = client.post(
        url.format(channel="sms"), data={"phone": "1380013", "csrf_token": token(client, page)}
    )
    assert field_error(plain, "phone") == body["message"]
    too_long = send_json(client, page, url.format(channel="mail"), email="x" * 300 + "@a.cn")
    assert too_long.status_code == 400 and too_long.get_json()["field"] == "email"
    assert outbox("sms") == [] and outbox("mail") == []


def test_s7_code_sent_with_script_registers_the_person(client):
    """The JSON send binds the code to the same flow as the page's: the form then registers."""
    page, url, _ = FORMS["registration"]
    send_json(client, page, url.format(channel="sms"), phone=MOBILE)
    send_json(client, page, url.format(channel="mail"), email=EMAIL)
    sms = outbox("sms")[0]["params"]["code"]
    mail = re.search(r"验证码为 (\d{6})", outbox("mail")[0]["body"]).group(1)
    done = client.post(
        "/register/person",
        data={
            "csrf_token": token(client, page),
            "id_type": "resident_id",
            "name": "李四",
            "id_number": "110105198001010032",
            "valid_from": "2020-01-01",
            "valid_to": "2040-01-01",
            "province": "110000",
            "city": "110100",
            "county": "110105",
            "street": "朝阳路 1 号",
            "postal_code": "100020",
            "email": EMAIL,
            "email_code": mail,
            "phone": MOBILE,
            "sms_code": sms,
            "password": "Lantern-river-42",
            "password_confirm": "Lantern-river-42",
            "agreed": "y",
            "submit": "1",
        },
    )
    assert done.status_code == 302 and done.location.endswith("/register/done")


def test_p2_json_send_of_a_new_mobile_after_reauthentication(browser):
    make_user()
    login = browser.http.get("/login")
    browser.submit(login, identifier=PHONE, password=PASSWORD)
    page = browser.http.get("/account/reauth", query_string={"next": "/account/mobile"})
    browser.submit(page, password=PASSWORD)
    sent = send_json(browser.http, "/account/mobile", "/account/mobile", phone=MOBILE, send="1")
    assert sent.status_code == 200
    assert sent.get_json()["message"] == "验证码已发送至 139****9000，请查收。"
    assert sent.get_json()["field"] == "code"
    assert [m["to"] for m in outbox("sms")] == [MOBILE]
    empty = send_json(browser.http, "/account/mobile", "/account/mobile", phone="", send="1")
    assert empty.status_code == 400 and empty.get_json()["field"] == "phone"


def test_p2_json_send_without_reauthentication_is_no_json(browser):
    """Asked to confirm the password first: no JSON, so forms.js posts the form as without
    script, and the page leads to the re-authentication."""
    make_user()
    browser.submit(browser.http.get("/login"), identifier=PHONE, password=PASSWORD)
    html = html_of(browser.http.get("/account"))
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    answer = browser.http.post(
        "/account/mobile",
        data={"phone": MOBILE, "send": "1"},
        headers={**JSON, "X-CSRFToken": csrf},
    )
    assert answer.status_code == 302 and "/account/reauth" in answer.location
    assert outbox("sms") == []


def test_p3_json_send_to_a_new_handler_then_bound(client):
    """Organisation registration, step 2 (经办人未注册): the code sent with script binds."""
    assert step1(client, "legal", org_data()).status_code == 302
    page = "/register/org/handler?mode=new"
    data = new_handler()
    sent = send_json(client, page, "/register/org/handler/new/code", phone=data["phone"])
    assert sent.status_code == 200
    assert sent.get_json() == {
        "sent": True,
        "message": "短信验证码已发送至经办人手机。",
        "field": "sms_code",
        "retry_after": services().settings.codes.resend_interval,
    }
    bad = send_json(client, page, "/register/org/handler/new/code", phone="12")
    assert bad.status_code == 400 and bad.get_json()["field"] == "phone"
    done = client.post(
        "/register/org/handler/new",
        data={
            **data,
            "sms_code": latest_sms_code(data["phone"]),
            "csrf_token": token(client, page),
        },
    )
    assert done.status_code == 302 and done.location.endswith("/register/org/done")


def test_p3_json_send_in_handler_management(app):
    """The personal center's 经办人未注册: the code to the new handler's mobile, with script."""
    code = uscc(43)
    organisations.register_legal_person(**legal_kwargs(code))
    db.session.commit()
    http = org_center(app, code, ANSWER)
    page, url = "/account/handlers", "/account/handlers/register/code"
    sent = send_json(http, page, url, phone="13600136001")
    assert sent.status_code == 200 and sent.get_json()["field"] == "sms_code"
    assert [m["to"] for m in outbox("sms")][-1] == "13600136001"
    again = send_json(http, page, url, phone="13600136001")
    assert again.status_code == 429 and again.get_json()["retry_after"] > 0


def test_s2_json_send_in_supplementation_parks_nothing(client):
    """The natural person's supplementation: the code sent with script completes it, and the
    send parked nothing over what the page had kept (the prefilled legacy data)."""
    natural_legacy()
    page = legacy_login(client).location
    sent = send_json(client, page, f"{page}/codes/sms", phone=MOBILE)
    assert sent.status_code == 200 and sent.get_json()["field"] == "sms_code"
    assert 'value="李四"' in html_of(client.get(page))  # still prefilled: nothing parked
    assert send_json(client, page, f"{page}/codes/mail", email=EMAIL).status_code == 200
    mail = re.search(r"验证码为 (\d{6})", outbox("mail")[0]["body"]).group(1)
    sms = outbox("sms")[0]["params"]["code"]
    done = submit(client, page, completion(), codes=False, sms_code=sms, email_code=mail)
    assert done.status_code == 302
