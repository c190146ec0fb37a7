"""Helpers for the legacy legal-person and agency supplementation tests (S4, S5, S6): the legacy
accounts, the 历史账号 login at the 法人 / 代理机构 entries (deterministic captcha), the
organisation form with its codes read from the outbox adapters, and the handler step (P3) —
as a browser without JavaScript does it."""

from __future__ import annotations

import io
import re

import orgkit
from idp.services import services
from legacykit import make_legacy_account
from supplementkit import csrf, legacy_login
from support import PASSWORD

ANSWER = "2468"
CAPTCHA = {"captcha": {"deterministic": True, "deterministic_answer": ANSWER}}
USCC = orgkit.uscc(7)  # the legal person's USCC in the legacy system (its login)
PROFILE_USCC, FILED_USCC = orgkit.uscc(8), orgkit.uscc(9)  # another USCC / an agency's filed one
MOBILE, EMAIL = "13900139000", "office@example.cn"
LEGAL_NAME, AGENCY_NAME = "示例科技有限公司", "示例商标代理有限公司"


def legal_legacy(account: str = "F0001", uscc: str | None = USCC, **kw):
    return make_legacy_account(
        account,
        kind="legal",
        name=LEGAL_NAME,
        id_type=None,
        uscc=uscc,
        mobile=MOBILE,
        email=EMAIL,
        **kw,
    )


def agency_legacy(account: str = "A0001", filed: bool = True, uscc: str | None = FILED_USCC, **kw):
    """An agency whose legacy profile holds its filed USCC (login table); ``filed``: on the
    filing register. ``uscc=PROFILE_USCC``: another one, which needs a filing change (Y1)."""
    if filed:
        orgkit.file_agency(FILED_USCC, AGENCY_NAME)
    return make_legacy_account(
        account,
        kind="agency",
        name=AGENCY_NAME,
        id_type=None,
        uscc=uscc,
        filed_uscc=FILED_USCC,
        mobile=MOBILE,
        email=EMAIL,
        **kw,
    )


def org_login(http, identifier: str, entry: str, url: str = "/login"):
    return legacy_login(http, account=identifier, entry=entry, url=url, captcha=ANSWER)


def org_data(**changes) -> dict:
    """What the prefilled page does not hold yet (category, representative, password,
    agreement), plus the prefilled fields, plus changes."""
    data = dict(
        category="enterprise",
        name=LEGAL_NAME,
        uscc=USCC,
        rep_id_type="resident_id",
        rep_name="王五",
        rep_nationality="中国",
        rep_id_number=orgkit.resident_id(500),
        rep_valid_from="2020-01-01",
        rep_valid_to="2035-01-01",
        phone=MOBILE,
        email=EMAIL,
        password=PASSWORD,
        password_confirm=PASSWORD,
        agreed="y",
    )
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def agency_data(**changes) -> dict:
    return org_data(**{"name": AGENCY_NAME, "uscc": FILED_USCC, **changes})


def foreign_data(**changes) -> dict:
    return org_data(
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


def pdfs() -> dict:
    return {
        "identity_proof": (io.BytesIO(orgkit.pdf_bytes()), "proof.pdf"),
        "qualification": (io.BytesIO(orgkit.pdf_bytes(2)), "licence.pdf"),
    }


def send(http, page_url: str, channel: str, data: dict) -> str:
    response = http.post(
        f"{page_url}/org/codes/{channel}", data={**data, "csrf_token": csrf(http, page_url)}
    )
    assert response.status_code == 200 and "验证码已发送" in response.get_data(as_text=True)
    if channel == "sms":
        return orgkit.latest_sms_code(data["phone"])
    body = services().mail.outbox.latest()[0]["body"]
    return re.search(r"验证码为 (\d{6})", body).group(1)


def submit(
    http, page_url: str, data: dict, *, files: dict | None = None, codes: bool = True, **extra
):
    if codes:
        extra.setdefault("sms_code", send(http, page_url, "sms", data))
        if "email" in data:
            extra.setdefault("email_code", send(http, page_url, "mail", data))
    return http.post(
        page_url,
        data={**data, **extra, **(files or {}), "csrf_token": csrf(http, page_url), "submit": "1"},
    )


def accept_notice(http, page_url: str):
    return http.post(f"{page_url}/notice", data={"csrf_token": csrf(http, page_url)})


def bind_registered(http, handler, page_url: str):
    """P3 经办人已注册 on the supplementation's handler step (``page_url``/handler): send the
    code to the handler's mobile, then confirm with it."""
    step = f"{page_url}/handler"
    token = csrf(http, step)
    page = http.post(
        f"{step}/registered",
        data={**orgkit.handler_fields(handler), "send": "1", "csrf_token": token},
    )
    assert "经办人将收到短信验证码" in page.get_data(as_text=True), page.get_data(as_text=True)
    return http.post(
        f"{step}/registered",
        data={
            **orgkit.handler_fields(handler),
            "code": orgkit.latest_sms_code(handler.phone),
            "confirm": "1",
            "csrf_token": token,
        },
    )
