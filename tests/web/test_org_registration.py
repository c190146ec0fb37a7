"""Organisation registration pages (P1; S4 legal person, S5/D2 without USCC, S6 agency with
Y1/Y2; P3 handler binding; S3, P4, S7).

Every step goes through the pages as a browser without JavaScript would: send-code buttons post
the whole form, codes come from the outbox adapters, registers are filled with tests/orgkit.py.
"""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

import orgkit
from idp.domain.accounts import deactivation
from idp.domain.models import HandlerBinding, Organisation
from idp.domain.models.user import PENDING_REVIEW
from idp.domain.organisations import handlers
from idp.domain.organisations import registration as organisations
from idp.extensions import db
from idp.services import services
from orgkit import steps
from support import PASSWORD, form_fields
from wordkit import said

ANSWER = "2468"
USCC = orgkit.uscc(7)


@pytest.fixture
def settings_overrides():
    return {"captcha": {"deterministic": True, "deterministic_answer": ANSWER}}


def org_data(**changes) -> dict:
    data = dict(
        category="enterprise",
        name="示例科技有限公司",
        uscc=USCC,
        rep_id_type="resident_id",
        rep_name="王五",
        rep_nationality="中国",
        rep_id_number=orgkit.resident_id(500),
        rep_valid_from="2020-01-01",
        rep_valid_to="2035-01-01",
        phone="13900139000",
        email="office@example.cn",
        password=PASSWORD,
        password_confirm=PASSWORD,
        agreed="y",
    )
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def foreign_data(**changes) -> dict:
    data = org_data(
        uscc=None,
        email=None,
        country="新加坡",
        name="Example Pte Ltd",
        name_en="Example Pte Ltd",
        registration_number="201912345K",
        rep_id_type="foreign_document",
        rep_id_number="K1234567",
        **changes,
    )
    return data


def csrf(http, path: str) -> str:
    return form_fields(http.get(path).get_data(as_text=True))[1]["csrf_token"]


def send(http, kind: str, channel: str, data: dict) -> str:
    page = http.post(
        f"/register/org/{kind}/codes/{channel}",
        data={**data, "csrf_token": csrf(http, "/register")},
    )
    assert page.status_code == 200 and "验证码已发送" in page.get_data(as_text=True)
    if channel == "sms":
        return orgkit.latest_sms_code(data["phone"])
    body = services().mail.outbox.latest()[0]["body"]
    return re.search(r"验证码为 (\d{6})", body).group(1)


def step1(http, kind: str, data: dict, files: dict | None = None, codes: bool = True):
    extra = {}
    if codes:
        extra["sms_code"] = send(http, kind, "sms", data)
        if "email" in data:
            extra["email_code"] = send(http, kind, "mail", data)
    return http.post(
        f"/register/org/{kind}",
        data={
            **data,
            **extra,
            **(files or {}),
            "csrf_token": csrf(http, "/register"),
            "submit": "1",
        },
    )


def bind_registered(http, handler) -> object:
    token = csrf(http, "/register/org/handler")
    page = http.post(
        "/register/org/handler/registered",
        data={**orgkit.handler_fields(handler), "send": "1", "csrf_token": token},
    )
    assert "经办人将收到短信验证码" in page.get_data(as_text=True)
    return http.post(
        "/register/org/handler/registered",
        data={
            **orgkit.handler_fields(handler),
            "code": orgkit.latest_sms_code(handler.phone),
            "confirm": "1",
            "csrf_token": token,
        },
    )


def new_handler(**changes) -> dict:
    data = dict(
        id_type="resident_id",
        name="赵六",
        id_number=orgkit.resident_id(42),
        phone="13600136000",
        password=PASSWORD,
        password_confirm=PASSWORD,
    )
    data.update(changes)
    return data


def bind_new(http, data: dict):
    token = csrf(http, "/register/org/handler?mode=new")
    sent = http.post("/register/org/handler/new/code", data={**data, "csrf_token": token})
    assert "短信验证码已发送" in sent.get_data(as_text=True)
    return http.post(
        "/register/org/handler/new",
        data={**data, "sms_code": orgkit.latest_sms_code(data["phone"]), "csrf_token": token},
    )


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def error_of(response, field: str) -> str | None:
    match = re.search(
        rf'<p class="error" id="{field}-error">([^<]*)</p>', response.get_data(as_text=True)
    )
    return match.group(1) if match else None


def login_org(browser, entry: str, uscc: str, password: str = PASSWORD):
    page = browser.http.get("/login", query_string={"entry": entry})
    return browser.submit(page, identifier=uscc, password=password, captcha=ANSWER)


def test_s4_legal_person_registration_with_registered_handler(app, browser):
    handler = orgkit.make_handler(1)
    choose = browser.http.get("/register").get_data(as_text=True)
    assert 'value="legal"' in choose and 'value="foreign"' in choose and 'value="agency"' in choose
    details = browser.http.get("/register/org/legal").get_data(as_text=True)
    assert steps(details) == ("注册进度", ["机构信息", "绑定经办人", "完成"], "机构信息")
    first = step1(browser.http, "legal", org_data(category="individual_business"))  # P5
    assert first.status_code == 302 and first.location.endswith("/register/org/handler")
    org = organisations.find_by_uscc(USCC)
    assert org.kind == "legal" and org.category == "individual_business"
    assert org.contact_phone_verified and org.user.email_verified and org.user.agreement_version
    page = browser.http.get("/register/org/handler").get_data(as_text=True)
    assert "经办人已注册" in page and "经办人未注册" in page
    assert steps(page) == ("注册进度", ["机构信息 ✓", "绑定经办人", "完成"], "绑定经办人")
    done = bind_registered(browser.http, handler)
    assert done.status_code == 302 and done.location.endswith("/register/org/done")
    html = browser.http.get("/register/org/done").get_data(as_text=True)
    assert "注册成功" in html and org.uscc_masked in html and "经办人登录" in html
    assert [b.organisation_id for b in handlers.organisations_for_handler(handler)] == [org.id]
    response = login_org(browser, "legal", USCC)
    assert response.status_code == 302
    assert browser.http.get("/account").status_code == 200


def test_p3_wrong_handler_code_binds_nothing(app, client):
    handler = orgkit.make_handler(1)
    step1(client, "legal", org_data())
    token = csrf(client, "/register/org/handler")
    client.post(
        "/register/org/handler/registered",
        data={**orgkit.handler_fields(handler), "send": "1", "csrf_token": token},
    )
    wrong = client.post(
        "/register/org/handler/registered",
        data={
            **orgkit.handler_fields(handler),
            "code": "000000",
            "confirm": "1",
            "csrf_token": token,
        },
    )
    assert wrong.status_code == 200 and error_of(wrong, "code")
    assert count(HandlerBinding) == 0


def test_s4_legal_person_with_new_handler(app, client):
    step1(client, "legal", org_data())
    done = bind_new(client, new_handler())
    assert done.status_code == 302 and done.location.endswith("/register/org/done")
    org = organisations.find_by_uscc(USCC)
    person = db.session.scalar(select(HandlerBinding)).handler
    assert person.name == "赵六" and person.realname_verified and person.phone == "13600136000"
    assert handlers.organisations_for_handler(person)[0].organisation_id == org.id


def test_s4_errors_shown_next_to_fields_and_data_kept(app, client):
    page = step1(
        client,
        "legal",
        org_data(uscc="91110000ABCDEFGH12", password_confirm="x", agreed=None),
        codes=False,
    )
    assert page.status_code == 200
    assert error_of(page, "uscc") and error_of(page, "password_confirm")
    assert error_of(page, "agreed") and error_of(page, "sms_code")
    assert 'value="示例科技有限公司"' in page.get_data(as_text=True)
    assert count(Organisation) == 0


def test_s6_agency_notice_page_then_registration(app, client):
    orgkit.file_agency(USCC)
    assert client.get("/register/org/agency").location.endswith("/register/org/agency/notice")
    notice = client.get("/register/org/agency/notice")
    assert "用户信息完善提示" in notice.get_data(as_text=True)
    started = client.post(
        "/register/org/agency/notice",
        data={"csrf_token": form_fields(notice.get_data(as_text=True))[1]["csrf_token"]},
    )
    assert started.location.endswith("/register/org/agency")
    assert "代理机构信息验证" in client.get("/register/org/agency").get_data(as_text=True)
    practitioner = orgkit.make_handler(2)
    orgkit.file_practitioner(orgkit.resident_id(2), USCC)
    assert step1(client, "agency", org_data()).location.endswith("/register/org/handler")
    assert bind_registered(client, practitioner).location.endswith("/register/org/done")
    assert "代理机构" in client.get("/register/org/done").get_data(as_text=True)
    org = organisations.find_by_uscc(USCC, kind="agency")
    assert handlers.organisations_for_handler(practitioner, "agency")[0].organisation_id == org.id


def _agency_started(client) -> None:
    token = csrf(client, "/register/org/agency/notice")
    client.post("/register/org/agency/notice", data={"csrf_token": token})


def test_y1_agency_not_on_register_refused_with_message(app, client):
    _agency_started(client)
    page = step1(client, "agency", org_data())
    assert page.status_code == 200 and error_of(page, "uscc") == said(organisations.Y1_MESSAGE)
    assert count(Organisation) == 0
    orgkit.file_agency(USCC)  # codes stay verified in this flow: no new codes needed
    again = step1(client, "agency", org_data(), codes=False)
    assert again.status_code == 302 and count(Organisation) == 1


def test_y2_agency_handler_not_practitioner_refused(app, client):
    orgkit.file_agency(USCC)
    _agency_started(client)
    step1(client, "agency", org_data())
    handler = orgkit.make_handler(3)
    page = bind_registered(client, handler)  # Y2 is told only after the handler's code
    assert page.status_code == 200 and error_of(page, "code") == said(handlers.Y2_NOT_PRACTITIONER)
    refused = bind_new(client, new_handler())
    assert error_of(refused, "id_number") == said(handlers.Y2_NOT_PRACTITIONER)
    assert 'value="赵六"' in refused.get_data(as_text=True)
    assert count(HandlerBinding) == 0


def test_s5_foreign_legal_person_submitted_for_review(app, browser):
    files = {
        "identity_proof": (io.BytesIO(orgkit.pdf_bytes()), "proof.pdf"),
        "qualification": (io.BytesIO(orgkit.pdf_bytes(2)), "licence.pdf"),
    }
    first = step1(browser.http, "foreign", foreign_data(), files)
    assert first.status_code == 302 and first.location.endswith("/register/org/handler")
    org = db.session.scalar(select(Organisation))
    assert org.foreign and org.user.status == PENDING_REVIEW and org.uscc_bidx is None
    assert bind_new(browser.http, new_handler()).location.endswith("/register/org/done")
    html = browser.http.get("/register/org/done").get_data(as_text=True)
    assert "已提交审核" in html and "1–2 个工作日" in html and "短信" in html


def test_s5_foreign_account_number_shown_and_pending_login_told_under_review(app, browser):
    files = {
        "identity_proof": (io.BytesIO(orgkit.pdf_bytes()), "proof.pdf"),
        "qualification": (io.BytesIO(orgkit.pdf_bytes(2)), "licence.pdf"),
    }
    step1(browser.http, "foreign", foreign_data(), files)
    org = db.session.scalar(select(Organisation))
    assert re.fullmatch(r"W\d{9}", org.account_no)
    bind_new(browser.http, new_handler())
    html = browser.http.get("/register/org/done").get_data(as_text=True)
    assert org.account_no in html and "“法人”" in html and "审核通过后" in html
    wrong = login_org(browser, "legal", org.account_no, password="Wrong-password-1")
    assert "审核中" not in wrong.get_data(as_text=True)
    right = login_org(browser, "legal", org.account_no)
    assert right.status_code == 200 and "审核中" in right.get_data(as_text=True)
    assert browser.http.get("/account").status_code != 200


def test_g_legal_entry_login_page_accepts_organisation_code(app, browser):
    organisations.register_legal_person(**orgkit.legal_kwargs(USCC))
    code = USCC[8:16] + "-" + USCC[16]
    assert login_org(browser, "agency", code).status_code == 200  # Y1: the filed USCC only
    assert login_org(browser, "legal", code).status_code == 302


def test_s5_non_pdf_upload_refused_keeps_data(app, client):
    files = {
        "identity_proof": (io.BytesIO(b"GIF89a not a pdf"), "proof.pdf"),
        "qualification": (io.BytesIO(orgkit.pdf_bytes()), "licence.pdf"),
    }
    page = step1(client, "foreign", foreign_data(), files)
    assert page.status_code == 200
    assert error_of(page, "identity_proof") == "只能上传 PDF 格式的文件。"
    html = page.get_data(as_text=True)
    assert 'value="201912345K"' in html and 'value="新加坡"' in html
    assert count(Organisation) == 0


def test_s3_existing_uscc_message(app, client):
    organisations.register_legal_person(**orgkit.legal_kwargs(USCC))
    page = step1(client, "legal", org_data(phone="13900139001"))
    assert page.status_code == 200 and error_of(page, "uscc") == said(organisations.S3_MESSAGE)
    assert count(Organisation) == 1


def test_p4_deactivated_uscc_refused(app, client):
    org = organisations.register_legal_person(**orgkit.legal_kwargs(USCC))
    deactivation.deactivate_organisation(org)
    page = step1(client, "legal", org_data())
    assert page.status_code == 200 and error_of(page, "uscc") == said(organisations.P4_MESSAGE)
    assert count(Organisation) == 1


def test_s4_refresh_on_handler_step_creates_no_second_account(app, client):
    data = org_data()
    assert step1(client, "legal", data).status_code == 302
    assert client.get("/register/org/handler").status_code == 200
    assert client.get("/register/org/legal").location.endswith("/register/org/handler")
    resent = client.post(
        "/register/org/legal", data={**data, "submit": "1", "csrf_token": csrf(client, "/register")}
    )
    assert resent.status_code == 302 and resent.location.endswith("/register/org/handler")
    assert count(Organisation) == 1


def test_csrf_required(app, client):
    assert client.post("/register/org/legal", data=org_data()).status_code == 400
    assert client.post("/register/org/agency/notice").status_code == 400
    step1(client, "legal", org_data())
    assert (
        client.post(
            "/register/org/handler/registered", data={"phone": "13700000001", "send": "1"}
        ).status_code
        == 400
    )
    assert client.post("/register/org/handler/new", data=new_handler()).status_code == 400
    assert count(HandlerBinding) == 0
