"""Helpers for the legacy login and supplementation tests (S1–S8): a natural-person legacy
account, the 历史账号 login through the page, and the supplementation form with its codes read
from the outbox adapters — as a browser without JavaScript does it."""

from __future__ import annotations

import re

from idp.services import services
from legacykit import LEGACY_PASSWORD, make_legacy_account
from support import form_fields

ID_NUMBER = "110105198001010032"
MOBILE, EMAIL = "13900139000", "li.si@example.com"
NEW_PASSWORD = "Lantern-river-42"


def natural_legacy(**kw):
    kw.setdefault("account", "L0001")
    kw.setdefault("name", "李四")
    kw.setdefault("id_number", ID_NUMBER)
    kw.setdefault("mobile", MOBILE)
    kw.setdefault("email", EMAIL)
    return make_legacy_account(**kw)


def legacy_login(
    http,
    account: str = "L0001",
    password: str = LEGACY_PASSWORD,
    url: str = "/login",
    entry: str = "personal",
    **extra,
):
    """Post the 历史账号 form of ``url`` (the personal center's or an interaction's login page)."""
    query = {"method": "legacy", **({"entry": entry} if entry != "personal" else {})}
    page = http.get(url, query_string=query)
    action, hidden = form_fields(page.get_data(as_text=True))
    return http.post(action, data={**hidden, "identifier": account, "password": password, **extra})


def completion(**changes) -> dict:
    """The fields the prefilled page does not hold yet (validity, address codes, password,
    agreement), plus changes."""
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
        email=EMAIL,
        phone=MOBILE,
        password=NEW_PASSWORD,
        password_confirm=NEW_PASSWORD,
        agreed="y",
    )
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def csrf(http, page_url: str) -> str:
    return form_fields(http.get(page_url).get_data(as_text=True))[1]["csrf_token"]


def send(http, page_url: str, channel: str, data: dict) -> str:
    """Press a send-code button of the supplementation page; return the code that was sent."""
    response = http.post(
        f"{page_url}/codes/{channel}", data={**data, "csrf_token": csrf(http, page_url)}
    )
    assert response.status_code == 200 and "验证码已发送" in response.get_data(as_text=True)
    if channel == "sms":
        return services().sms.outbox.latest()[0]["params"]["code"]
    body = services().mail.outbox.latest()[0]["body"]
    return re.search(r"验证码为 (\d{6})", body).group(1)


def submit(http, page_url: str, data: dict, *, codes: bool = True, **extra):
    if codes:
        extra.setdefault("sms_code", send(http, page_url, "sms", data))
        extra.setdefault("email_code", send(http, page_url, "mail", data))
    return http.post(
        page_url, data={**data, **extra, "csrf_token": csrf(http, page_url), "submit": "1"}
    )


def through_done_page(http, response):
    """S8: a completed supplementation shows the done page (how to sign in from now on); its
    link goes back to the pending sign-in. Returns that link's answer (consent, or the RP)."""
    assert response.status_code == 302 and response.location == "/supplement/done", response
    html = http.get(response.location).get_data(as_text=True)
    found = re.search(r'href="(/interaction/[^"/]+)"', html)
    assert found is not None, "the done page links back to the sign-in"
    return http.get(found.group(1))
