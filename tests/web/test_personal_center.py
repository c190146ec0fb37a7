"""The personal center (P2, P3, P4, P6, S7, Y2): re-authentication first, password / mobile /
email changes with codes to the new destination, the sessions list with back-channel logout
(OpenID Connect Back-Channel Logout 1.0 §2.5), deactivation, handler management and the change
to agency. Real database, store and outbox; the settable clock; no mocks.
"""

from __future__ import annotations

import re

import pytest

from idp.domain.accounts import deactivation, passwords
from idp.domain.accounts.registration import (
    P4_MESSAGE,
    PersonApplication,
    Refused,
    register_natural_person,
)
from idp.domain.models import HandlerBinding, User
from idp.domain.models.user import DEACTIVATED
from idp.domain.organisations import handlers
from idp.domain.organisations import registration as organisations
from idp.extensions import db
from idp.protocol import logout
from idp.services import services
from orgkit import (
    file_agency,
    handler_fields,
    latest_sms_code,
    legal_kwargs,
    make_handler,
    resident_id,
    uscc,
)
from support import (
    PASSWORD,
    PHONE,
    Browser,
    field_error,
    form_fields,
    form_with,
    html_of,
    make_relying_party,
    make_user,
)

ANSWER = "2468"
NEW_PASSWORD = "Quiet-meadow-73"
ID_NUMBER = "11010519491231002X"
BCL_URI = "https://rp.example.test/backchannel"


@pytest.fixture
def settings_overrides():
    return {"captcha": {"deterministic": True, "deterministic_answer": ANSWER}}


def center_login(browser, identifier=PHONE, password=PASSWORD, **args):
    page = browser.http.get("/login", query_string=args)
    data = {"identifier": identifier, "password": password}
    if args:
        data["captcha"] = ANSWER
    response = browser.submit(page, **data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def reauth(browser, target, password=PASSWORD):
    page = browser.http.get("/account/reauth", query_string={"next": target})
    assert page.status_code == 200
    return browser.submit(page, password=password)


def post_page(browser, path, **data):
    action, hidden = form_fields(html_of(browser.http.get(path)))
    return browser.http.post(action, data={**hidden, **data})


def test_p2_home_shows_profile_masked_and_menu(browser):
    make_user(id_type="resident_id", id_number=ID_NUMBER, email="z@example.cn")
    center_login(browser)
    html = html_of(browser.http.get("/account"))
    assert "138****8000" in html and PHONE not in html and ID_NUMBER not in html
    assert "自然人" in html and "z@example.cn" in html
    for item in ("账号安全设置", "会话管理", "旧账号管理", "注销账号"):
        assert item in html
    assert "经办人管理" not in html and "变更为代理机构" not in html
    legacy = browser.http.get("/account/legacy")  # 旧账号管理: re-authentication first
    assert legacy.status_code == 302 and "/account/reauth" in legacy.location


def test_p2_change_password_requires_reauthentication(browser, clock):
    user = make_user()
    center_login(browser)
    response = browser.http.get("/account/password")
    assert response.status_code == 302 and "/account/reauth" in response.location
    wrong = reauth(browser, "/account/password", password="Wrong-password-1")
    assert wrong.status_code == 200 and field_error(wrong, "password")
    ok = reauth(browser, "/account/password")
    assert ok.status_code == 302 and ok.location.endswith("/account/password")
    assert browser.http.get("/account/password").status_code == 200
    clock.advance(301)  # account.reauth_window
    assert browser.http.get("/account/password").status_code == 302
    # a POST without fresh re-authentication changes nothing
    reauth(browser, "/account/password")
    page = browser.http.get("/account/password")
    clock.advance(301)
    response = browser.submit(
        page, current_password=PASSWORD, password=NEW_PASSWORD, password_confirm=NEW_PASSWORD
    )
    assert response.status_code == 302 and "/account/reauth" in response.location
    db.session.refresh(user)
    assert passwords.verify(PASSWORD, user.password_hash)


def test_p2_change_password_errors_next_to_fields_and_data_kept(browser):
    make_user()
    center_login(browser)
    reauth(browser, "/account/password")
    response = post_page(
        browser,
        "/account/password",
        current_password=PASSWORD,
        password=NEW_PASSWORD,
        password_confirm="Other-meadow-74",
    )
    assert response.status_code == 200
    assert field_error(response, "password_confirm") == "两次输入的新密码不一致。"


def test_p2_change_password_ends_other_sessions_and_revokes_tokens(app, browser, sender):
    rp = make_relying_party(name="商标查询", backchannel_logout_uri=BCL_URI)
    user = make_user()
    other = Browser(app)
    tokens = other.tokens_for(rp, scope="openid profile offline_access")
    center_login(browser)
    reauth(browser, "/account/password")
    response = post_page(
        browser,
        "/account/password",
        current_password=PASSWORD,
        password=NEW_PASSWORD,
        password_confirm=NEW_PASSWORD,
    )
    assert response.status_code == 200 and "密码已修改" in html_of(response)
    assert browser.http.get("/account").status_code == 200  # this session goes on
    assert other.http.get("/account").status_code == 302  # the other one ended
    assert logout.deliver_due() == 1 and sender.sent[0][0] == BCL_URI
    info = other.http.get(
        "/userinfo", headers={"Authorization": "Bearer " + tokens["access_token"]}
    )
    assert info.status_code == 401
    refreshed = other.token(rp, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refreshed.status_code == 400
    assert len(logout.sessions().keys_for_user(user.id)) >= 1


def test_p2_change_mobile_requires_code_to_new_number(browser, clock):
    user = make_user()
    center_login(browser)
    reauth(browser, "/account/mobile")
    sent = post_page(browser, "/account/mobile", phone="13911112222", send="1")
    assert sent.status_code == 200 and "139****2222" in html_of(sent)
    assert 'value="13911112222"' in html_of(sent)  # entered data kept
    sms = services().sms.outbox.latest()
    assert [m["to"] for m in sms] == ["13911112222"]
    wrong = post_page(browser, "/account/mobile", phone="13911112222", code="12345", submit="1")
    assert field_error(wrong, "code") and 'value="13911112222"' in html_of(wrong)
    done = post_page(
        browser,
        "/account/mobile",
        phone="13911112222",
        code=latest_sms_code("13911112222"),
        submit="1",
    )
    assert "手机号码已修改" in html_of(done)
    db.session.refresh(user)
    assert user.phone == "13911112222"


def test_p2_change_mobile_to_taken_number_refused(browser):
    user = make_user()
    make_user(phone="13911112222", name="李四")
    center_login(browser)
    reauth(browser, "/account/mobile")
    sent = post_page(browser, "/account/mobile", phone="13911112222", send="1")
    assert field_error(sent, "phone") is None  # the send does not tell that it is taken
    refused = post_page(
        browser,
        "/account/mobile",
        phone="13911112222",
        code=latest_sms_code("13911112222"),
        submit="1",
    )
    assert field_error(refused, "phone") == "该手机号码已被其他账号使用。"
    db.session.refresh(user)
    assert user.phone == PHONE


def test_p2_change_email_requires_mail_code(browser):
    user = make_user(email="old@example.cn")
    center_login(browser)
    assert browser.http.get("/account/email").status_code == 302
    reauth(browser, "/account/email")
    post_page(browser, "/account/email", email="new@example.cn", send="1")
    mail = services().mail.outbox.latest()[0]
    assert mail["to"] == "new@example.cn"
    without = post_page(browser, "/account/email", email="new@example.cn", submit="1")
    assert field_error(without, "code")
    code = re.search(r"验证码为 (\d{6})", mail["body"]).group(1)
    post_page(browser, "/account/email", email="new@example.cn", code=code, submit="1")
    db.session.refresh(user)
    assert user.email == "new@example.cn"


def test_p2_sessions_list_and_sign_out_one(app, browser, sender):
    rp = make_relying_party(name="商标查询", backchannel_logout_uri=BCL_URI)
    user = make_user()
    other = Browser(app)
    other.sign_in(rp)
    center_login(browser)
    html = html_of(browser.http.get("/account/sessions"))
    assert html.count('name="target"') == 2 and "当前会话" in html and "商标查询" in html
    keys = logout.sessions().keys_for_user(user.id)
    other_sid = next(
        s.sid for s in map(logout.sessions().load, keys) if logout.sessions().clients(s)
    )
    action, fields = form_with(html, other_sid)
    response = browser.http.post(action, data=fields)
    assert response.status_code == 302
    assert other.http.get("/account").status_code == 302
    assert browser.http.get("/account").status_code == 200
    assert services().store.zdue(logout.QUEUE, services().now() + 1, 10)  # notice queued
    assert logout.deliver_due() == 1
    url, data = sender.sent[0]
    assert url == BCL_URI and data["logout_token"]
    assert html_of(browser.http.get("/account/sessions")).count('name="target"') == 1


def test_p2_sign_out_current_session_from_list(browser, user):
    center_login(browser)
    html = html_of(browser.http.get("/account/sessions"))
    action, fields = form_with(html, 'name="target"')
    assert browser.http.post(action, data=fields).status_code == 200
    assert browser.http.get("/account").status_code == 302


def deactivate(browser, phrase="确认注销"):
    return post_page(browser, "/account/deactivate", phrase=phrase)


def test_p4_deactivation_warns_and_requires_reauthentication(browser):
    user = make_user()
    center_login(browser)
    page = html_of(browser.http.get("/account/deactivate"))
    assert "请勿轻易注销您的账号" in page and "无法根据证件信息再次注册和完善" in page
    refused = deactivate(browser)
    assert refused.status_code == 302 and "/account/reauth" in refused.location
    reauth(browser, "/account/deactivate")
    wrong = deactivate(browser, phrase="注销")
    assert field_error(wrong, "phrase")
    db.session.refresh(user)
    assert user.status == "active"


def test_p4_deactivated_identity_cannot_register_again(browser):
    user = make_user(id_type="resident_id", id_number=ID_NUMBER)
    bidx = user.id_number_bidx
    center_login(browser)
    reauth(browser, "/account/deactivate")
    assert "账号已注销" in html_of(deactivate(browser))
    assert deactivation.is_deactivated(deactivation.ID_NUMBER, bidx)
    codes, flow = services().codes, "again-1"
    codes.send("sms", "13900139000", "register", flow, "198.51.100.1")
    codes.send("mail", "again@example.cn", "register", flow, "198.51.100.1")
    mail = services().mail.outbox.latest()[0]["body"]
    application = PersonApplication(
        id_type="resident_id",
        name="张三",
        id_number=ID_NUMBER,
        valid_from="2020-01-01",
        valid_to="2040-01-01",
        province="110000",
        city="110100",
        county="110105",
        street="朝阳路 1 号",
        postal_code="100020",
        email="again@example.cn",
        phone="13900139000",
        password=PASSWORD,
        password_confirm=PASSWORD,
        agreed=True,
        sms_code=latest_sms_code("13900139000"),
        email_code=re.search(r"验证码为 (\d{6})", mail).group(1),
    )
    with pytest.raises(Refused) as refused:
        register_natural_person(application, flow_id=flow, verified={})
    assert refused.value.errors == {"form": P4_MESSAGE}
    assert db.session.query(User).count() == 1


def test_p4_deactivation_revokes_tokens_and_ends_sessions(app, browser, sender):
    rp = make_relying_party(name="商标查询", backchannel_logout_uri=BCL_URI)
    user = make_user()
    other = Browser(app)
    tokens = other.tokens_for(rp)
    center_login(browser)
    reauth(browser, "/account/deactivate")
    deactivate(browser)
    assert browser.http.get("/account").status_code == 302
    assert other.http.get("/account").status_code == 302
    assert logout.sessions().keys_for_user(user.id) == set() or all(
        logout.sessions().load(k) is None for k in logout.sessions().keys_for_user(user.id)
    )
    assert logout.deliver_due() == 1
    info = other.http.get(
        "/userinfo", headers={"Authorization": "Bearer " + tokens["access_token"]}
    )
    assert info.status_code == 401
    fresh = Browser(app)
    response = fresh.submit(fresh.http.get("/login"), identifier=PHONE, password=PASSWORD)
    assert response.status_code == 200  # nobody can sign in to it any more
    assert fresh.http.get("/account").status_code == 302


def test_p4_sub_never_reused(browser):
    user = make_user()
    sub = user.sub
    center_login(browser)
    reauth(browser, "/account/deactivate")
    deactivate(browser)
    db.session.expire_all()
    row = db.session.get(User, user.id)
    assert row.sub == sub and row.status == DEACTIVATED and row.name == "已注销用户"
    again = make_user()  # the mobile is free again; the new account gets a new sub
    assert again.id != user.id and again.sub != sub


def org_login(browser, code):
    center_login(browser, identifier=code, entry="legal")


def test_p3_handler_management_bind_registered_handler_by_sms_code(app, browser):
    code = uscc(7)
    org = organisations.register_legal_person(**legal_kwargs(code))
    handler = make_handler(1)
    org_login(browser, code)
    home = html_of(browser.http.get("/account"))
    assert "经办人管理" in home and "变更为代理机构" in home
    page = browser.http.get("/account/handlers")
    action, fields = form_with(html_of(page), 'name="id_number"')
    refused = browser.http.post(action, data={**fields, **handler_fields(handler)})
    assert "/account/reauth" in refused.location
    reauth(browser, "/account/handlers")
    action, fields = form_with(html_of(browser.http.get("/account/handlers")), 'name="id_number"')
    sent = browser.http.post(action, data={**fields, **handler_fields(handler)})
    assert "经办人将收到短信验证码" in html_of(sent) and "经办人1" not in html_of(sent)
    action, fields = form_with(html_of(sent), 'name="code"')
    wrong = browser.http.post(action, data={**fields, "code": "12345"})
    assert field_error(wrong, "code")
    done = browser.http.post(action, data={**fields, "code": latest_sms_code(handler.phone)})
    assert "经办人已绑定" in html_of(done)
    assert [b.handler_id for b in handlers.organisations_for_handler(handler)] == [handler.id]
    # unbind
    listing = html_of(browser.http.get("/account/handlers"))
    assert "经办人1" in listing
    action, fields = form_with(listing, f'value="{handler.id}"')
    browser.http.post(action, data=fields)
    assert handlers.organisations_for_handler(handler) == []
    assert org.id


def test_p3_handler_not_registered_is_registered_and_bound(browser):
    code = uscc(8)
    org = organisations.register_legal_person(**legal_kwargs(code))
    org_login(browser, code)
    reauth(browser, "/account/handlers")
    action, fields = form_with(html_of(browser.http.get("/account/handlers")), 'name="name"')
    data = {
        **fields,
        "name": "新经办人",
        "id_type": "resident_id",
        "id_number": resident_id(40)[:-1] + "0",
        "phone": "13700009999",
        "password": PASSWORD,
    }
    if data["id_number"] == resident_id(40):
        data["id_number"] = resident_id(40)[:-1] + "1"
    browser.http.post(action + "/code", data=data)  # P3/S7: the new handler's mobile is proven
    wrong = browser.http.post(action, data={**data, "sms_code": latest_sms_code("13700009999")})
    assert field_error(wrong, "id_number") and 'value="13700009999"' in html_of(wrong)
    data["id_number"] = resident_id(40)
    response = browser.http.post(action, data=data)  # the mobile stays proven in this flow
    assert "经办人已注册并绑定" in html_of(response), html_of(response)
    bound = db.session.query(HandlerBinding).filter_by(organisation_id=org.id, active=True)
    assert bound.count() == 1


def test_p6_change_to_agency_from_personal_center(browser):
    code = uscc(9)
    org = organisations.register_legal_person(**legal_kwargs(code))
    handler = make_handler(2)
    handlers.bind_handler(org, handler)
    org_login(browser, code)
    page = html_of(browser.http.get("/account/agency"))
    assert "重新绑定经办人" in page
    refused = post_page(browser, "/account/agency")
    assert "/account/reauth" in refused.location
    reauth(browser, "/account/agency")
    not_filed = post_page(browser, "/account/agency")
    assert "备案" in html_of(not_filed)
    db.session.refresh(org)
    assert org.kind == "legal"
    file_agency(code)
    done = post_page(browser, "/account/agency")
    assert "已变更为代理机构" in html_of(done) and "重新绑定" in html_of(done)
    db.session.refresh(org)
    assert org.kind == "agency" and org.user.user_type == "agency"
    assert handlers.organisations_for_handler(handler) == []


def test_p2_forms_without_csrf_refused(browser):
    user = make_user()
    center_login(browser)
    reauth(browser, "/account/password")
    for path, data in (
        (
            "/account/password",
            {
                "current_password": PASSWORD,
                "password": NEW_PASSWORD,
                "password_confirm": NEW_PASSWORD,
            },
        ),
        ("/account/mobile", {"phone": "13911112222", "send": "1"}),
        ("/account/deactivate", {"phrase": "确认注销"}),
        ("/account/sessions/end", {"target": "x"}),
        ("/account/reauth", {"password": PASSWORD}),
    ):
        assert browser.http.post(path, data=data).status_code == 400, path
    db.session.refresh(user)
    assert user.status == "active" and services().sms.outbox.latest() == []


def test_p3_a_handler_sees_the_organisations_it_acts_for(browser):
    handler = make_handler(1)
    org = organisations.register_legal_person(**legal_kwargs())
    handlers.bind_handler(org, handler)
    db.session.commit()
    center_login(browser, identifier=handler.phone)
    html = html_of(browser.http.get("/account"))
    assert "我代理的机构" in html and org.name in html and org.uscc_masked in html
    handlers.unbind_handler(org, handler)
    db.session.commit()
    assert "我代理的机构" not in html_of(browser.http.get("/account"))
