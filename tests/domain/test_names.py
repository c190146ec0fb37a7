"""Names refuse control and format characters and must contain a letter (names.check_name).

Every form that takes a name uses the one rule: registration and supplementation of natural
persons (S2) and organisations (S4–S6, with the legal representative), handlers registered while
being bound (P3), appeals (L10), the legacy import (L1) and the office's registers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from idp.domain.accounts import users as accounts
from idp.domain.accounts.applicant import check
from idp.domain.errors import ValidationError
from idp.domain.identity import names
from idp.domain.legacy import appeals
from idp.domain.legacy import rows as legacy_rows
from idp.domain.organisations import handlers
from idp.domain.organisations import registration as organisations
from orgkit import legal_kwargs, pdf_bytes, rep, resident_id
from support import PASSWORD, person_application
from wordkit import said

FORBIDDEN = {
    "nul": "张\x00三",
    "delete": "张\x7f三",
    "escape": "张\x1b[31m三",
    "right_to_left_override": "\u202e三张",
    "left_to_right_isolate": "张\u2066三",
    "zero_width_space": "张\u200b三",
    "zero_width_joiner": "张\u200d三",
    "byte_order_mark": "\ufeff张三",
    "soft_hyphen": "张\u00ad三",
    "lone_surrogate": "张\ud800三",
}
NO_LETTER = ["123", "·", "——", "( )", "١٢٣"]


@pytest.mark.parametrize("kind", FORBIDDEN)
def test_name_with_control_or_format_character_is_refused(kind):
    with pytest.raises(ValidationError) as refused:
        names.check_name(FORBIDDEN[kind])
    assert refused.value.field == "name"
    assert "不可见" in said(refused.value)


@pytest.mark.parametrize("value", NO_LETTER)
def test_name_without_a_letter_is_refused(value):
    with pytest.raises(ValidationError) as refused:
        names.check_name(value, "rep_name", "rep_name")
    assert said(refused.value) == "法定代表人姓名应包含文字，不能只有数字或符号。"
    assert refused.value.field == "rep_name"


def test_name_over_its_limit_or_empty_is_refused():
    assert names.check_name("张" * 100) == "张" * 100
    for value in ("张" * 101, "", " \u3000 "):
        with pytest.raises(ValidationError):
            names.check_name(value)


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("张三", "张三"),
        ("  约翰·史密斯 ", "约翰·史密斯"),
        ("Mary\u3000 O'Brien", "Mary O'Brien"),
        ("Zoe\u0308", "Zo\u00eb"),  # decomposed and precomposed are one name (NFC)
        ("葛\U000e0100", "葛\U000e0100"),  # an ideographic variation sequence is kept
    ],
)
def test_good_names_are_kept_in_one_spelling(typed, stored):
    assert names.check_name(typed) == stored


# Every path that takes a name: each refuses a zero-width space and a bidi override.
BAD = ["张\u200b三", "\u202e三张"]


@pytest.mark.parametrize("bad", BAD)
def test_registration_and_supplementation_refuse_the_name(bad):
    _, errors = check(person_application(name=bad), dt.date(2025, 9, 1))
    assert "不可见" in said(errors["name"])


@pytest.mark.parametrize("bad", BAD)
def test_account_creation_refuses_the_name(app, bad):
    with pytest.raises(ValidationError) as refused:
        accounts.create_natural_person(name=bad, phone="13900139000", password=PASSWORD)
    assert refused.value.field == "name"


@pytest.mark.parametrize("field", ["name", "rep_name"])
@pytest.mark.parametrize("bad", BAD)
def test_organisation_forms_refuse_the_name(app, field, bad):
    kwargs = legal_kwargs()
    if field == "name":
        kwargs["name"] = bad
    else:
        kwargs["representative"] = dataclasses.replace(rep(), name=bad)
    with pytest.raises(ValidationError) as refused:
        organisations.register_legal_person(**kwargs)
    assert refused.value.field == field


@pytest.mark.parametrize("bad", BAD)
def test_foreign_entity_english_name_is_refused(app, bad):
    kwargs = legal_kwargs()
    del kwargs["uscc"]
    with pytest.raises(ValidationError) as refused:
        organisations.register_foreign_legal_person(
            **kwargs | {"name": "Globex"},
            country="美国",
            name_en=bad,
            registration_number="C1234567",
            identity_proof=organisations.Upload("a.pdf", pdf_bytes()),
            qualification=organisations.Upload("b.pdf", pdf_bytes()),
        )
    assert refused.value.field == "name_en"


@pytest.mark.parametrize("bad", BAD)
def test_handler_registered_while_binding_is_refused_before_real_name_check(app, bad):
    org = organisations.register_legal_person(**legal_kwargs())
    with pytest.raises(ValidationError) as refused:
        handlers.register_and_bind_handler(
            org,
            name=bad,
            phone="13700000001",
            password=PASSWORD,
            id_type="resident_id",
            id_number=resident_id(1),
        )
    assert refused.value.field == "name"


@pytest.mark.parametrize("bad", BAD)
def test_appeal_refuses_the_name(bad):
    _, errors = appeals.check(
        appeals.AppealInput("tm_zhang", bad, "13900139000", None, "历史账号无法完成信息补录。"),
        organisations.Upload("a.pdf", b""),
        None,
    )
    assert "不可见" in said(errors["name"])


@pytest.mark.parametrize("bad", BAD)
def test_l1_legacy_import_keeps_the_account_without_the_invisible_characters(app, bad):
    """L1: every account the old system accepted must work here; the name is kept without the
    invisible characters (``legacy_identity.name_key`` ignores them anyway), with a warning."""
    row = {
        "legacy_id": "zhangsan",
        "type": "natural",
        "name": bad,
        "registered_at": "2019-05-01 10:00:00",
        "password_hash": "0" * 32,
    }
    parsed = legacy_rows.parse(row, legacy_rows.Context.current())
    assert parsed.values["name"] in ("张三", "三张")
    assert [said(w) for w in parsed.warnings] == ["名称中的控制字符或不可见的格式字符已删除。"]
