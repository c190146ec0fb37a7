"""E-mail addresses are checked by email-validator: one address, no display name, no list
(emails.normalise_email), and every path that takes an address uses it."""

from __future__ import annotations

import dataclasses

import pytest

from idp.domain.accounts import profile
from idp.domain.accounts import users as accounts
from idp.domain.errors import ValidationError
from idp.domain.identity import contacts, emails
from idp.domain.legacy import appeals
from idp.domain.legacy import rows as legacy_rows
from idp.domain.organisations import registration as organisations
from idp.domain.verification.codes import normalise_destination
from orgkit import contact, legal_kwargs
from support import PASSWORD, make_user
from wordkit import said

REFUSED = {
    "display_name": "张三 <zhangsan@example.cn>",
    "display_name_ascii": "Zhang San <zhangsan@example.cn>",
    "angle_brackets": "<zhangsan@example.cn>",
    "comma_list": "zhangsan@example.cn,lisi@example.cn",
    "semicolon_list": "zhangsan@example.cn;lisi@example.cn",
    "space_list": "zhangsan@example.cn lisi@example.cn",
    "quoted_local_part": '"zhang san"@example.cn',
    "domain_literal": "zhangsan@[203.0.113.7]",
    "no_dot_in_domain": "zhangsan@localhost",
    "special_use_domain": "zhangsan@example.local",
    "two_at_signs": "zhang@san@example.cn",
    "double_dot": "zhang..san@example.cn",
    "zero_width_space": "zhang\u200bsan@example.cn",
    "bidi_override": "zhangsan@example.c\u202en",
    "nul": "zhangsan@example.cn\x00",
    "non_ascii_local_part": "张三@example.cn",
    "too_long": "a" * 60 + "@" + ".".join(["b" * 60] * 4) + ".cn",
}


@pytest.mark.parametrize("kind", REFUSED)
def test_address_that_is_not_exactly_one_address_is_refused(kind):
    with pytest.raises(ValidationError) as refused:
        emails.normalise_email(REFUSED[kind])
    assert refused.value.field == "email"
    assert refused.value.code == emails.MESSAGE


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("Zhang.San@Example.COM", "zhang.san@example.com"),
        ("  zhangsan@example.cn ", "zhangsan@example.cn"),
        ("ｚｈａｎｇｓａｎ＠ｅｘａｍｐｌｅ．ｃｎ", "zhangsan@example.cn"),
        ("zhangsan@例子.中国", "zhangsan@xn--fsqu00a.xn--fiqs8s"),
        ("zhang+tm@mail.example.gov.cn", "zhang+tm@mail.example.gov.cn"),
    ],
)
def test_address_is_stored_in_its_normalised_form(typed, stored):
    assert emails.normalise_email(typed) == stored


BAD = "张三 <zhangsan@example.cn>"


def test_verification_codes_refuse_the_address():
    with pytest.raises(ValidationError):
        normalise_destination("mail", BAD)
    assert normalise_destination("mail", "ZhangSan@Example.cn") == "zhangsan@example.cn"


def test_account_creation_refuses_the_address(app):
    with pytest.raises(ValidationError) as refused:
        accounts.create_natural_person(
            name="张三", phone="13900139000", password=PASSWORD, email="a@example.cn,b@example.cn"
        )
    assert refused.value.field == "email"
    user = accounts.create_natural_person(
        name="张三", phone="13900139000", password=PASSWORD, email="Zhang@Example.CN"
    )
    assert user.email == "zhang@example.cn"


def test_organisation_registration_refuses_the_address(app):
    kwargs = legal_kwargs(contact=dataclasses.replace(contact(), email=BAD))
    with pytest.raises(ValidationError) as refused:
        organisations.register_legal_person(**kwargs)
    assert refused.value.field == "email"


def test_personal_center_refuses_the_new_address(app):
    user = make_user()
    with pytest.raises(ValidationError) as refused:
        profile.send_email_code(user, BAD, "flow-1", "203.0.113.7")
    assert refused.value.field == "email"


def test_appeal_refuses_the_address():
    _, errors = appeals.check(
        appeals.AppealInput("tm_zhang", "张三", "13900139000", BAD, "历史账号无法完成信息补录。"),
        None,
        None,
    )
    assert errors["email"].code == emails.MESSAGE


def test_legacy_import_drops_the_address_with_a_warning(app):
    row = {
        "legacy_id": "zhangsan",
        "type": "natural",
        "name": "张三",
        "registered_at": "2019-05-01 10:00:00",
        "password_hash": "0" * 32,
        "email": "a@example.cn;b@example.cn",
    }
    parsed = legacy_rows.parse(row, legacy_rows.Context.current())
    assert parsed.values["email_enc"] is None and parsed.values["email_bidx"] is None
    assert "字段已舍弃：电子邮箱：格式不正确。" in [said(w) for w in parsed.warnings]
    parsed = legacy_rows.parse(row | {"email": "Old@Example.CN"}, legacy_rows.Context.current())
    assert contacts.unseal("email", parsed.values["email_enc"]) == "old@example.cn"
    assert parsed.values["email_bidx"] == contacts.email_index("old@example.cn")


def _library_answer(text: str) -> str | None:
    """email-validator called on the whole address, as ``normalise_email`` did before its
    per-domain cache: the reference the fast path must agree with."""
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(
            text,
            check_deliverability=False,
            allow_smtputf8=False,
            allow_display_name=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
        ).ascii_email.lower()
    except EmailNotValidError:
        return None


LOCALS = [
    "a",
    "Zhang.San",
    "zhang+tm",
    "x_y%z-1",
    ".a",
    "a.",
    "a..b",
    "a!b",
    "a#b",
    "o'neil",
    "a/b",
    "{a}",
    "张三",
    "a b",
    '"a"',
    "postmaster",
    "PostMaster",
    "a" * 64,
    "a" * 65,
    "1" * 63 + ".",
    "-",
    "_",
    "a\u200bb",
    "a\x00b",
    "١٢٣",
]
DOMAINS = [
    "example.com",
    "EXAMPLE.Com",
    "mail.example.gov.cn",
    "例子.中国",
    "xn--fsqu00a.xn--fiqs8s",
    "example.local",
    "localhost",
    "a..b.cn",
    "-a.cn",
    "a-.cn",
    "example.123",
    "1.2.3.4",
    "example.com.",
    "exa_mple.cn",
    "例子。中国",
    "ex\u200bample.cn",
    "xn--zz.cn",
    "例子.cn",
    "b" * 63 + ".cn",
    "b" * 64 + ".cn",
    ".".join(["b" * 60] * 4) + ".cn",
    ".".join(["c" * 55] * 4) + ".cn",
    ".".join(["例" * 15] * 6) + ".cn",
    "",
    "-",
    "a.b-",
    "example.test",
    "example.invalid",
    "EXAMPLE.ONION",
    "ß.de",
    "Ⅻ.cn",
    "example.c\u202en",
    "exa\x00mple.cn",
    "١٢٣.cn",
    "example.١٢٣",
]


def _our_answer(text: str) -> str | None:
    try:
        return emails.normalise_email(text)
    except ValidationError:
        return None


def test_normalise_email_gives_email_validators_answer_for_every_shape():
    """The per-domain cache (plain local part at a plain domain) never changes an answer:
    each local part at each domain, lengths around the 254-byte limit included."""
    pairs = [f"{local}@{domain}" for local in LOCALS for domain in DOMAINS]
    assert [_our_answer(text) for text in pairs] == [_library_answer(text) for text in pairs]
    assert len(pairs) == len(LOCALS) * len(DOMAINS)


@pytest.mark.parametrize(
    "domain, sizes",
    [
        (".".join(["d" * 60] * 3) + ".cn", range(60, 70)),  # 185 characters
        (
            ".".join(["商标注册申请人代理机构统一身份"] * 4) + ".cn",
            range(40, 54),
        ),  # 186 bytes, 206 in ASCII
    ],
)
def test_normalise_email_lengths_at_the_limit_agree_with_email_validator(domain, sizes):
    answers = set()
    for size in sizes:
        text = "l" * size + "@" + domain
        answer = _our_answer(text)
        assert answer == _library_answer(text), size
        answers.add(answer is None)
    assert answers == {True, False}  # both sides of the limit were reached
