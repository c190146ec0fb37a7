"""Password policy (accounts issue "Passwords"): 8–64 characters, three of four character
classes, no common password, no system words, not the user's own mobile or ID number.
"""

from __future__ import annotations

import pytest

from idp.domain.accounts import password_policy
from idp.domain.accounts import users as accounts
from idp.domain.accounts.password_policy import check_password
from idp.domain.errors import ValidationError
from support import PASSWORD, PHONE
from wordkit import raises_saying, said

ID_NUMBER = "11010519491231002X"


def refusal(password: str, context=()) -> str:
    with pytest.raises(ValidationError) as err:
        check_password(password, context=list(context))
    assert err.value.field == "password"
    return said(err.value)


@pytest.mark.parametrize(
    "password",
    [
        PASSWORD,
        "Demo-pass-2026",
        "Long-enough-1",
        "abcdefg1!",  # lower, digit, symbol
        "ABCDEFG1!",  # upper, digit, symbol
        "Abcdefgh!",  # upper, lower, symbol
        "Abcdefg12",  # upper, lower, digit
        "月亮Moon river 7",  # Chinese characters and spaces count as symbols
        "Aa1!" * 16,  # exactly 64
    ],
)
def test_password_accepted(password):
    check_password(password, context=[PHONE, ID_NUMBER])


@pytest.mark.parametrize(
    "password, fragment",
    [
        ("", "8–64 个字符（当前 0 个）"),
        ("Ab1!xyz", "8–64 个字符（当前 7 个）"),
        ("Aa1!" * 16 + "x", "8–64 个字符（当前 65 个）"),
    ],
)
def test_password_length_8_to_64(password, fragment):
    assert fragment in refusal(password)


@pytest.mark.parametrize(
    "password, fragment",
    [
        ("abcdefghij", "当前缺少：大写字母、数字、符号。"),
        ("ABCDEFGHIJ", "当前缺少：小写字母、数字、符号。"),
        ("1234567890", "当前缺少：大写字母、小写字母、符号。"),
        ("!!!!????##", "当前缺少：大写字母、小写字母、数字。"),
        ("abcdefgh12", "当前缺少：大写字母、符号。"),
        ("Abcdefghij", "当前缺少：数字、符号。"),
        ("abcd-efgh-ij", "当前缺少：大写字母、数字。"),
        ("12345678-!", "当前缺少：大写字母、小写字母。"),
        ("商标注册申请很方便呀", "当前缺少：大写字母、小写字母、数字。"),
        ("ＡＢＣｄｅｆ１２３", "当前缺少：大写字母、小写字母、数字。"),  # full-width: symbols only
    ],
)
def test_password_needs_three_character_classes(password, fragment):
    message = refusal(password)
    assert "至少三类" in message and fragment in message


@pytest.mark.parametrize(
    "password",
    [
        "Password1",
        "P@SSW0RD",
        "P@ssw0rd",
        "Qwerty123",
        "1Qaz2Wsx",
        "Woaini1314",
        "Admin@123",
        "ADMIN@123",
        "Passw0rd!",
        "Zhongguo123",
        "Huawei@2025",
        "#1Stunna",
    ],
)
def test_password_blocklist_refused(password):
    assert "过于常见" in refusal(password)


def test_password_blocklist_is_loaded_and_case_folded():
    common = password_policy.common_passwords()
    assert len(common) > 5000
    assert {"password1", "admin@123", "#1stunna"} <= common
    assert all(entry == entry.casefold() for entry in common)
    assert not any(entry.startswith("# ") for entry in common)


@pytest.mark.parametrize(
    "password",
    [
        "Cnipa-2026!",
        "my-CNIPA-pw9",
        "商标Trade2026",
        "Trademark-99",
        "xTRADEMARKx1",
    ],
)
def test_password_with_system_words_refused(password):
    assert "与本系统相关的词" in refusal(password)


@pytest.mark.parametrize(
    "password, context",
    [
        (f"Ab-{PHONE}", [PHONE]),
        (f"{PHONE}Ab!", ["+86" + PHONE]),
        ("Ab-１３８００１３８０００", [PHONE]),  # full-width digits fold to the same number
        ("Ab-138 0013 8000", [PHONE]),  # spaces do not hide it
    ],
)
def test_password_containing_own_mobile_refused(password, context):
    assert "手机号码或证件号码" in refusal(password, context)


@pytest.mark.parametrize("password", [f"Zz-{ID_NUMBER}", f"Zz-{ID_NUMBER.lower()}"])
def test_password_containing_own_id_number_refused(password):
    assert "手机号码或证件号码" in refusal(password, [None, "", ID_NUMBER])


def test_password_with_someone_elses_number_is_fine():
    check_password(f"Ab-{PHONE}", context=["13900139000", None, "", "ab"])


def test_create_natural_person_applies_policy_with_own_identifiers(app):
    """accounts.create_natural_person passes the phone and ID number as context."""
    with raises_saying(ValidationError, "手机号码或证件号码"):
        accounts.create_natural_person(name="张三", phone=PHONE, password=f"Xy-{PHONE}")
    with raises_saying(ValidationError, "手机号码或证件号码"):
        accounts.create_natural_person(
            name="张三",
            phone=PHONE,
            password=f"Xy-{ID_NUMBER}",
            id_type="resident_id",
            id_number=ID_NUMBER,
        )
    with raises_saying(ValidationError, "过于常见"):
        accounts.create_natural_person(name="张三", phone=PHONE, password="Password1")
    user = accounts.create_natural_person(
        name="张三", phone=PHONE, password=PASSWORD, id_type="resident_id", id_number=ID_NUMBER
    )
    assert accounts.authenticate(PHONE, PASSWORD) == user
