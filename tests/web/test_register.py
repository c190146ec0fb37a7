"""The registration pages (P1 with the data of S2; S3, S7, P4, D1, D4) and the agreement page.

Every step goes through the pages as a browser without JavaScript would: the send-code buttons
post the whole form, codes are read from the outbox adapters, real-name verification is the
local verifier (a temporary CSV of known identities where a test needs a mismatch).
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from idp.domain.accounts import users as accounts
from idp.domain.accounts.registration import P4_MESSAGE
from idp.domain.models import User
from idp.domain.models._types import from_timestamp
from idp.domain.models.user import DEACTIVATED
from idp.extensions import db
from idp.services import services
from support import form_fields, known_identities
from wordkit import said

ID_NUMBER = "110105198001010032"
PASSWORD = "Lantern-river-42"
S3_TEXT = "您可通过注册填写的手机号/证件号码+注册密码登录，在登录成功后，通过个人中心的旧账号管理功能进行关联"


@pytest.fixture
def settings_overrides(request, tmp_path):
    """``indirect`` parametrisation: a list of (name, id_type, number) the verifier knows."""
    return known_identities(tmp_path, getattr(request, "param", None))


def person(**changes) -> dict:
    data = dict(
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
    )
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def csrf(http) -> str:
    return form_fields(http.get("/register/person").get_data(as_text=True))[1]["csrf_token"]


def send(http, channel: str, data: dict) -> str:
    """Press a send-code button; return the code the outbox received."""
    page = http.post(f"/register/codes/{channel}", data={**data, "csrf_token": csrf(http)})
    assert page.status_code == 200
    assert "验证码已发送" in page.get_data(as_text=True)
    if channel == "sms":
        return services().sms.outbox.latest()[0]["params"]["code"]
    body = services().mail.outbox.latest()[0]["body"]
    return re.search(r"验证码为 (\d{6})", body).group(1)


def submit(http, data: dict, *, codes: bool = True, **extra):
    if codes:
        extra.setdefault("sms_code", send(http, "sms", data))
        extra.setdefault("email_code", send(http, "mail", data))
    return http.post(
        "/register/person", data={**data, **extra, "csrf_token": csrf(http), "submit": "1"}
    )


def count_users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_p1_register_natural_person_then_sign_in_to_a_subsystem(app, browser, rp):
    choose = browser.http.get("/register")
    assert "自然人" in choose.get_data(as_text=True)
    token = form_fields(choose.get_data(as_text=True))[1]["csrf_token"]
    assert browser.http.post(
        "/register", data={"kind": "person", "csrf_token": token}
    ).location.endswith("/register/person")
    done = submit(browser.http, person())
    assert done.status_code == 302 and done.location.endswith("/register/done")
    page = browser.http.get(done.location).get_data(as_text=True)
    assert "注册成功" in page and "139****9000" in page and "1101**********0032" in page
    assert 'href="/login"' in page
    callback = browser.sign_in(rp, identifier="13900139000", password=PASSWORD)
    assert callback["code"]
    assert browser.exchange(rp, callback["code"]).status_code == 200


def test_p1_choosing_a_kind_leads_to_its_registration_form(app, client):
    token = form_fields(client.get("/register").get_data(as_text=True))[1]["csrf_token"]
    for kind, target in (
        ("person", "/register/person"),
        ("legal", "/register/org/legal"),
        ("foreign", "/register/org/foreign"),
        ("agency", "/register/org/agency/notice"),
    ):
        page = client.post("/register", data={"kind": kind, "csrf_token": token})
        assert page.status_code == 302 and page.headers["Location"] == target


def test_s3_registered_mobile_refused_with_message(app, client):
    accounts.create_natural_person(name="张三", phone="13900139000", password=PASSWORD)
    page = submit(client, person()).get_data(as_text=True)
    assert "用户已经存在" in page and S3_TEXT in page
    assert count_users() == 1


def test_s3_registered_id_number_refused_with_message(app, client):
    accounts.create_natural_person(
        name="李四",
        phone="13700137000",
        password=PASSWORD,
        id_type="resident_id",
        id_number=ID_NUMBER,
    )
    page = submit(client, person()).get_data(as_text=True)
    assert "用户已经存在" in page and S3_TEXT in page
    assert count_users() == 1


def test_p4_deactivated_identity_cannot_register(app, client, clock):
    old = accounts.create_natural_person(
        name="李四",
        phone="13700137000",
        password=PASSWORD,
        id_type="resident_id",
        id_number=ID_NUMBER,
    )
    old.status, old.deactivated_at = DEACTIVATED, from_timestamp(clock.now())
    db.session.commit()
    page = submit(client, person()).get_data(as_text=True)
    assert said(P4_MESSAGE) in page
    assert (
        db.session.scalar(select(func.count()).select_from(User).where(User.status != DEACTIVATED))
        == 0
    )


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_s7_registration_requires_both_codes(app, client):
    data = person()
    sms, mail = send(client, "sms", data), send(client, "mail", data)
    html = submit(client, data, codes=False, sms_code=wrong(sms), email_code=mail).get_data(
        as_text=True
    )
    assert 'id="sms_code-error">验证码错误' in html and "邮箱已验证" in html
    assert count_users() == 0
    assert submit(client, data, codes=False, sms_code=sms).status_code == 302
    # another applicant, whose mail code is wrong and then missing
    other, data = (
        app.test_client(),
        person(
            id_number="11010519491231002X",
            phone="13900139001",
            email="wang.wu@example.com",
            name="王五",
        ),
    )
    sms, mail = send(other, "sms", data), send(other, "mail", data)
    html = submit(other, data, codes=False, sms_code=sms, email_code=wrong(mail)).get_data(
        as_text=True
    )
    assert 'id="email_code-error">验证码错误' in html and "手机号已验证" in html
    html = submit(other, data, codes=False, email_code="").get_data(as_text=True)
    assert 'id="email_code-error">请填写邮件验证码' in html
    assert count_users() == 1


@pytest.mark.parametrize(
    "settings_overrides", [[("王五", "resident_id", ID_NUMBER)]], indirect=True
)
def test_s7_realname_mismatch_refused(app, client):
    page = submit(client, person()).get_data(as_text=True)
    assert "姓名与证件号码不一致，未通过实名认证" in page and count_users() == 0
    assert submit(client, person(name="王五"), codes=False).status_code == 302


def test_s7_agreement_version_and_time_recorded(app, client, clock):
    assert submit(client, person()).status_code == 302
    user = db.session.scalar(select(User))
    assert user.agreement_version == "2025-08-01"
    assert user.agreement_accepted_at == from_timestamp(clock.now())
    agreement = client.get("/agreement").get_data(as_text=True)
    assert "国家知识产权局统一身份认证系统用户服务协议" in agreement and "2025-08-01" in agreement


def test_s7_agreement_must_be_accepted(app, client):
    page = submit(client, person(agreed=None), codes=False).get_data(as_text=True)
    assert "请阅读并同意《国家知识产权局统一身份认证系统用户服务协议》" in page
    assert 'href="/agreement"' in page


def test_d1_invalid_document_number_keeps_entered_data(app, client):
    page = submit(client, person(id_number="110105198001010033"), codes=False)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "居民身份证号码校验位" in html
    for kept in (
        "110105198001010033",
        "李四",
        "朝阳路 1 号",
        "li.si@example.com",
        "13900139000",
        "2020-01-01",
    ):
        assert f'value="{kept}"' in html
    assert PASSWORD not in html
    assert re.search(r'<option selected value="110105">朝阳区', html)


def test_d4_expired_document_refused(app, client):
    html = submit(client, person(valid_to="2026-01-01"), codes=False).get_data(as_text=True)
    assert "证件已过期" in html and count_users() == 0


def test_s2_address_errors_next_to_their_fields(app, client):
    html = submit(client, person(city="310100", postal_code="10002"), codes=False).get_data(
        as_text=True
    )
    assert re.search(r'id="city-error">所选城市不属于北京市', html)
    assert re.search(r'id="postal_code-error">邮政编码应为 6 位数字', html)


def test_s2_address_options_reload_without_javascript(app, client):
    page = client.post(
        "/register/person",
        data={**person(city="", county=""), "csrf_token": csrf(client), "refresh": "1"},
    )
    html = page.get_data(as_text=True)
    assert "地址选项已更新" in html and '<option value="110100">市辖区' in html
    assert 'class="error"' not in html


def test_s2_password_mismatch(app, client):
    html = submit(client, person(password_confirm="Lantern-river-43"), codes=False).get_data(
        as_text=True
    )
    assert 'id="password_confirm-error">两次输入的密码不一致' in html


def test_csrf_required(app, client):
    assert client.post("/register/person", data={**person(), "submit": "1"}).status_code == 400
    assert client.post("/register/codes/sms", data=person()).status_code == 400
    assert services().sms.outbox.latest() == []
    assert count_users() == 0


def test_s7_send_code_refuses_a_bad_mobile_next_to_the_field(app, client):
    page = client.post(
        "/register/codes/sms", data={**person(phone="12345"), "csrf_token": csrf(client)}
    )
    assert 'id="phone-error">手机号码格式不正确' in page.get_data(as_text=True)


def test_s7_send_code_throttled(app, client):
    data = {**person(), "csrf_token": csrf(client)}
    client.post("/register/codes/sms", data=data)
    page = client.post("/register/codes/sms", data=data).get_data(as_text=True)
    assert 'id="sms_code-error"' in page and "秒" in page
    assert len(services().sms.outbox.latest()) == 1


@pytest.mark.parametrize(
    "settings_overrides",
    [
        {
            "realname": {
                "backend": "http",
                "url": "http://127.0.0.1:9/verify",
                "api_key": "k",
                "timeout": 0.5,
            }
        }
    ],
)
def test_s7_realname_unavailable_shows_message(app, client):
    html = submit(client, person()).get_data(as_text=True)
    assert "实名认证服务暂时无法使用" in html and count_users() == 0


def test_p1_login_page_links_to_registration(app, client):
    html = client.get("/login").get_data(as_text=True)
    assert 'href="/register">注册</a>' in html


def _double_click(app, http, first_changes=None, second_changes=None, between=None):
    """Submit the form twice with the cookie of the first click (the browser sent both before
    the first answer came back)."""
    data = person()
    sms, mail = send(http, "sms", data), send(http, "mail", data)
    form = {**data, "sms_code": sms, "email_code": mail, "csrf_token": csrf(http), "submit": "1"}
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = http.get_cookie(name).value
    first = http.post("/register/person", data={**form, **(first_changes or {})})
    if between:
        between()
    http.set_cookie(name, cookie)
    second = http.post("/register/person", data={**form, **(second_changes or {})})
    return first, second


def test_double_submit_of_registration_creates_one_account_and_shows_it(app, client):
    first, second = _double_click(app, client)
    assert first.status_code == 302 and second.status_code == 302
    assert second.location.endswith("/register/done")
    assert count_users() == 1
    done = client.get("/register/done").get_data(as_text=True)
    assert "注册成功" in done and "139****9000" in done


def test_double_submit_with_another_password_is_refused_and_learns_nothing(app, client):
    first, second = _double_click(
        app,
        client,
        second_changes={"password": "Other-lantern-43", "password_confirm": "Other-lantern-43"},
    )
    assert first.status_code == 302 and second.status_code == 200
    assert "/register/done" not in (second.location or "")
    assert "注册成功" not in second.get_data(as_text=True)
    assert count_users() == 1


def test_a_submit_after_the_codes_lifetime_is_a_new_registration_refused_by_s3(app, client, clock):
    _first, second = _double_click(
        app, client, between=lambda: clock.advance(services().settings.codes.ttl + 1)
    )
    assert second.status_code == 200 and count_users() == 1


def test_double_submit_answer_is_never_a_password_oracle_for_a_stranger(app, client):
    """A stranger who has not proven the mobile in their own flow (no SMS code) learns nothing
    from the double-submit path, even with the right password of an account made moments ago:
    the answer is the refusal, and no password is checked."""
    first, _second = _double_click(app, client)
    assert first.status_code == 302 and count_users() == 1
    stranger = app.test_client()
    page = stranger.post(
        "/register/person",
        data={
            **person(),
            "sms_code": "000000",
            "email_code": "000000",
            "csrf_token": csrf(stranger),
            "submit": "1",
        },
    )
    assert page.status_code == 200 and "/register/done" not in (page.location or "")
    assert "注册成功" not in page.get_data(as_text=True)
    assert count_users() == 1


def test_p1_registering_from_a_sign_in_comes_back_to_that_sign_in(app, browser, rp):
    """Issue 13: the login page of a pending sign-in links to registration with its id; the
    done page leads back to that sign-in's login (then consent and the subsystem), naming it."""
    login = browser.authorize(rp)
    iid = login.location.split("/")[-2]
    page = browser.http.get(login.location).get_data(as_text=True)
    assert f'href="/register?iid={iid}"' in page
    browser.http.get(f"/register?iid={iid}")
    assert submit(browser.http, person()).location.endswith("/register/done")
    done = browser.http.get("/register/done").get_data(as_text=True)
    assert f'href="/interaction/{iid}/login"' in done and "登录并返回“测试应用”" in done
    back = browser.login(browser.http.get(f"/interaction/{iid}/login"), "13900139000", PASSWORD)
    assert back.status_code == 302 and back.location.endswith("/consent")


def test_p1_a_registration_link_with_another_browsers_sign_in_leads_to_the_center(
    app, browser, rp, client
):
    """A sign-in id is honoured only for the browser that holds it: a link carrying someone
    else's leads to the personal center's login, never into their sign-in."""
    iid = browser.authorize(rp).location.split("/")[-2]
    client.get(f"/register?iid={iid}")
    assert submit(client, person()).location.endswith("/register/done")
    done = client.get("/register/done").get_data(as_text=True)
    assert f"/interaction/{iid}" not in done and 'href="/login"' in done
