"""The registration page shows each input-rule refusal next to its field (docs/accounts.md,
"What identifiers and names accept"): other scripts' digits in the document number and the
mobile, a bidi override in the name, a display name in the e-mail address — 200 with the
field's message, nothing created, never a 500."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from idp.domain.identity import emails
from idp.domain.models import User
from idp.extensions import db
from support import form_fields
from wordkit import said

PASSWORD = "Lantern-river-42"


def arabic(digits: str) -> str:
    return "".join(chr(0x0660 + int(c)) if c in "0123456789" else c for c in digits)


def test_registration_shows_each_input_rule_refusal_next_to_its_field(app, client):
    page = client.get("/register/person")
    data = dict(
        id_type="resident_id",
        name="\u202e四李",
        id_number=arabic("110105198001010032"),
        valid_from="2020-01-01",
        valid_to="2040-01-01",
        province="110000",
        city="110100",
        county="110105",
        street="朝阳路 1 号",
        postal_code="100020",
        email="李四 <li.si@example.com>",
        phone=arabic("13900139000"),
        password=PASSWORD,
        password_confirm=PASSWORD,
        agreed="y",
        sms_code="123456",
        email_code="123456",
        submit="1",
        csrf_token=form_fields(page.get_data(as_text=True))[1]["csrf_token"],
    )
    page = client.post("/register/person", data=data)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(r'id="name-error">姓名含有控制字符或不可见的格式字符', html)
    assert re.search(r'id="id_number-error">居民身份证号码应为 18 位', html)
    assert re.search(r'id="phone-error">手机号码格式不正确', html)
    assert re.search(r'id="email-error">' + re.escape(said(emails.MESSAGE)), html)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
