"""Digits are ASCII: identifiers accept only 0-9 and the ASCII letters of their format.

Full-width forms (what a Chinese input method types in full-width mode) are folded to ASCII
first; every other digit — Arabic-Indic, Devanagari, superscript, mathematical — is refused
with the field's usual message, although ``str.isdigit``, ``int`` and the regex ``\\d`` accept
them and the check characters computed over them come out right (docs/accounts.md, "What
identifiers and names accept").
"""

from __future__ import annotations

import ast
import datetime as dt
import pathlib
import re

import pytest

from idp.adapters.captcha import ImageCaptchaAdapter
from idp.adapters.store import MemoryStore
from idp.config import load_settings
from idp.domain.errors import ValidationError
from idp.domain.identity import address, documents, identifiers
from idp.domain.verification.codes import VerificationCodes, WrongCode
from wordkit import said

TODAY = dt.date(2025, 9, 1)
SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹"
SCRIPTS = {
    "arabic_indic": lambda d: chr(0x0660 + int(d)),
    "devanagari": lambda d: chr(0x0966 + int(d)),
    "superscript": lambda d: SUPERSCRIPT[int(d)],
    "mathematical_bold": lambda d: chr(0x1D7CE + int(d)),
}


def written_in(script, value: str) -> str:
    return "".join(script(c) if c in "0123456789" else c for c in value)


def full_width(value: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in value)


# kind -> (validator, a valid value in ASCII, the field of its refusal)
KINDS = {
    "resident_id": (
        lambda v: documents.validate_id_number("resident_id", v, TODAY),
        "11010519491231002X",
        "id_number",
    ),
    "hk_macau_permit": (
        lambda v: documents.validate_id_number("hk_macau_permit", v, TODAY),
        "H12345678",
        "id_number",
    ),
    "taiwan_permit": (
        lambda v: documents.validate_id_number("taiwan_permit", v, TODAY),
        "12345678",
        "id_number",
    ),
    "passport": (
        lambda v: documents.validate_id_number("passport", v, TODAY),
        "E12345678",
        "id_number",
    ),
    "foreign_permanent_residence_2023": (
        lambda v: documents.validate_id_number("foreign_permanent_residence", v, TODAY),
        "911156198001010016",
        "id_number",
    ),
    "foreign_permanent_residence_2017": (
        lambda v: documents.validate_id_number("foreign_permanent_residence", v, TODAY),
        "USA123456789012",
        "id_number",
    ),
    "mobile": (documents.validate_mobile, "13800138000", "phone"),
    "uscc": (documents.validate_uscc, "9111010870000001XH", "uscc"),
    "organisation_code": (documents.validate_organization_code, "70000001-X", "org_code"),
    "postal_code": (address.normalize_postal_code, "100020", "postal_code"),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("script", SCRIPTS)
def test_identifier_with_non_ascii_digits_is_refused(kind, script):
    validate, valid, field = KINDS[kind]
    with pytest.raises(ValidationError) as refused:
        validate(written_in(SCRIPTS[script], valid))
    assert refused.value.field == field


@pytest.mark.parametrize("kind", KINDS)
def test_identifier_typed_in_full_width_is_accepted_as_ascii(kind):
    validate, valid, _ = KINDS[kind]
    assert validate(full_width(valid)) == validate(valid)
    assert validate(valid).isascii()


def test_refusal_is_the_usual_message_of_the_field():
    arabic = written_in(SCRIPTS["arabic_indic"], "11010519491231002X")
    with pytest.raises(ValidationError) as refused:
        documents.validate_id_number("resident_id", arabic, TODAY)
    assert said(refused.value) == "居民身份证号码应为 18 位：17 位数字加 1 位校验位（数字或 X）。"
    with pytest.raises(ValidationError) as refused:
        documents.validate_mobile(written_in(SCRIPTS["devanagari"], "13800138000"))
    assert said(refused.value) == "手机号码格式不正确：应为 1 开头的 11 位中国大陆手机号码。"


def test_fifteen_non_ascii_digits_are_not_a_first_generation_id_number():
    arabic = written_in(SCRIPTS["arabic_indic"], "110105491231002")
    assert identifiers.upgrade_15_digit_id(arabic) is None
    with pytest.raises(ValidationError) as refused:
        documents.validate_id_number("resident_id", arabic, TODAY)
    assert "15 位" not in said(refused.value)


@pytest.mark.parametrize("letter", ["ſ", "ı", "ﬀ"])
def test_non_ascii_letters_that_upper_case_into_ascii_are_refused(letter):
    """``str.upper`` turns ſ into S, ı into I and ﬀ into FF; identifiers upper-case ASCII only."""
    with pytest.raises(ValidationError):
        documents.validate_id_number("passport", f"E{letter}1234567", TODAY)
    assert identifiers.normalize(f"e{letter}") == f"E{letter}"


class RecordingSms:
    def __init__(self):
        self.texts = []

    def send_sms(self, phone, text, template, params):
        self.texts.append(text)


def test_one_time_code_in_other_digits_is_refused_and_full_width_accepted(store, clock):
    sms = RecordingSms()
    codes = VerificationCodes(store, clock, sms, None, load_settings({}, environ={}))
    codes.send("sms", "13800138000", "register", "flow-1", "203.0.113.7")
    code = re.search(r"验证码为 ([0-9]{6})", sms.texts[-1]).group(1)
    with pytest.raises(WrongCode) as refused:
        codes.verify(
            "sms", "13800138000", "register", "flow-1", written_in(SCRIPTS["arabic_indic"], code)
        )
    assert said(refused.value) == "验证码应为 6 位数字。"
    assert codes.verify("sms", "13800138000", "register", "flow-1", full_width(code)) is True


@pytest.mark.parametrize("script", SCRIPTS)
def test_captcha_answer_in_other_digits_is_refused(script, clock):
    captcha = ImageCaptchaAdapter(
        MemoryStore(now=clock.now), clock, key="k" * 32, fixed_answer="2345"
    )
    assert not captcha.check(captcha.issue(), written_in(SCRIPTS[script], "2345"))
    assert captcha.check(captcha.issue(), full_width("2345"))


IDENTIFIER_MODULES = (
    "identity.documents",
    "identity.identifiers",
    "identity.mobile",
    "identity.uscc",
    "verification.codes",
    "organisations.accounts",
    "identity.address",
)


def _docstrings(tree) -> set[int]:
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }


@pytest.mark.parametrize("module", IDENTIFIER_MODULES)
def test_identifier_modules_use_no_unicode_digit_classes(module):
    """The class of bug, not one instance: ``\\d``, ``isdigit``, ``isdecimal``, ``isnumeric``
    and ``isalnum`` all take other scripts' digits; identifier code uses ASCII classes."""
    tree = ast.parse(
        (
            pathlib.Path(documents.__file__).parent.parent / (module.replace(".", "/") + ".py")
        ).read_text("utf-8")
    )
    skip = _docstrings(tree)
    patterns = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
    ]
    calls = [node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)]
    assert not [p for p in patterns if "\\d" in p]
    assert not {"isdigit", "isdecimal", "isnumeric", "isalnum"} & set(calls)
