"""Test data for organisations, handlers and the registers (helpers of the organisation tests)."""

from __future__ import annotations

import datetime as dt
import io
import re

from pypdf import PdfWriter

from idp.domain.accounts import users as accounts
from idp.domain.identity.documents import resident_id_check_char
from idp.domain.identity.identifiers import gb11714_check, gb32100_check
from idp.domain.models import AgencyFiling, Practitioner
from idp.domain.organisations.registration import Contact, Representative
from idp.domain.registers.lookup import uscc_index
from idp.extensions import db
from idp.services import services
from support import PASSWORD, form_with, html_of


def uscc(n: int = 1) -> str:
    body = f"{10000 + n:08d}"
    code = "91110000" + body + gb11714_check(body)
    return code + gb32100_check(code)


def resident_id(n: int = 1) -> str:
    first = f"110105198001{1 + n // 900:02d}{100 + n % 900:03d}"
    return first + resident_id_check_char(first)


def rep(n: int = 0) -> Representative:
    return Representative(
        name="王五",
        id_type="resident_id",
        id_number=resident_id(500 + n),
        valid_from=dt.date(2020, 1, 1),
        valid_to=dt.date(2035, 1, 1),
    )


def contact(phone: str | None = "13900139000") -> Contact:
    # the current agreement version: an older one would be asked again at sign-in (S7)
    return Contact(
        password=PASSWORD,
        phone=phone,
        email="office@example.cn",
        phone_verified=True,
        email_verified=True,
        agreement_version="2025-08-01",
    )


def legal_kwargs(code: str | None = None, **kw) -> dict:
    return {
        "category": "enterprise",
        "name": "示例科技有限公司",
        "uscc": code or uscc(),
        "representative": rep(),
        "contact": contact(),
        **kw,
    }


def file_agency(code: str, name: str = "示例商标代理有限公司") -> None:
    db.session.add(
        AgencyFiling(
            uscc_bidx=uscc_index(code), name=name, uscc_enc=services().cipher.encrypt(code, "uscc")
        )
    )
    db.session.commit()


def file_practitioner(id_number: str, agency_uscc: str | None = None) -> None:
    db.session.add(
        Practitioner(
            id_number_bidx=accounts.id_number_index(id_number),
            name="从业人员",
            id_number_enc=services().cipher.encrypt(id_number, "id-number"),
            agency_uscc_bidx=uscc_index(agency_uscc) if agency_uscc else None,
        )
    )
    db.session.commit()


def make_handler(n: int = 1, *, realname: bool = True):
    person = accounts.create_natural_person(
        name=f"经办人{n}",
        phone=f"1370000{n:04d}",
        password=PASSWORD,
        id_type="resident_id",
        id_number=resident_id(n),
    )
    person.realname_verified = realname
    db.session.commit()
    return person


def handler_fields(person) -> dict:
    """What an organisation types to name a registered handler (P3): mobile and document."""
    return {
        "phone": person.phone,
        "id_type": person.id_type,
        "id_number": services().cipher.decrypt(person.id_number_enc, accounts.ID_INDEX),
    }


def org_center(
    app, code: str, captcha: str, target: str = "/account/handlers", entry: str = "legal"
):
    """A test client signed in as the organisation (at ``entry``) and re-authenticated for
    ``target`` (P2). ``captcha``: the deterministic answer the test module configured."""
    http = app.test_client()
    action, fields = form_with(
        html_of(http.get("/login", query_string={"entry": entry})), 'name="password"'
    )
    assert (
        http.post(
            action, data={**fields, "identifier": code, "password": PASSWORD, "captcha": captcha}
        ).status_code
        == 302
    )
    page = http.get("/account/reauth", query_string={"next": target})
    action, fields = form_with(html_of(page), 'name="password"')
    assert http.post(action, data={**fields, "password": PASSWORD}).status_code == 302
    return http


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def latest_sms_code(phone: str) -> str:
    for message in services().sms.outbox.latest():
        if message["to"] == phone:
            return message["params"]["code"]
    raise AssertionError("no SMS to " + phone)


def steps(html: str) -> tuple[str, list[str], str]:
    """(label, the steps, the current one) of a page's progress list (templates/_steps.html):
    one list names and counts the steps of registration and supplementation alike."""
    found = re.search(r'<ol class="progress" aria-label="([^"]+)">(.*?)</ol>', html, flags=re.S)
    items = re.findall(r"<li[^>]*>([^<]*)</li>", found.group(2))
    current = re.search(r'<li[^>]*aria-current="step"[^>]*>([^<]*)</li>', found.group(2))
    return found.group(1), [i.strip() for i in items], current.group(1)
