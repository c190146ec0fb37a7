"""Identifier validators (domain.md D1, D2, D4, D5; D3 for the mobile login identifier).

Valid numbers are built here from the published algorithms, implemented independently of
``idp.domain`` (GB 11643 / ISO 7064 MOD 11-2 with weights 2**(17-i) mod 11; GB 11714; GB 32100
with weights 3**i mod 31), so a wrong table in the code cannot agree with a wrong table here.
Public examples: 11010519491231002X (the example of GB 11643-1999), 91350100M000100Y43 and
91110000802100433B (published USCCs).
"""

from __future__ import annotations

import datetime as dt

import pytest

from idp.domain.accounts import users as accounts
from idp.domain.errors import ValidationError
from idp.domain.identity import documents
from support import PASSWORD, PHONE
from wordkit import said

TODAY = dt.date(2025, 9, 1)
MAX_FAILURES = 3
CHECK_REFUSED = "校验位（最后一位）不正确"
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@pytest.fixture
def settings_overrides():
    return {"login": {"max_failures": MAX_FAILURES, "lock_seconds": 120}}


def mod11_2(digits17: str) -> str:
    total = sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(digits17))
    return "0123456789X"[(12 - total % 11) % 11]


def resident_id(
    prefix: str = "110105", born: dt.date = dt.date(1949, 12, 31), seq: str = "002"
) -> str:
    """A valid 18-character number: address code, birth date, sequence, check character."""
    body = prefix + born.strftime("%Y%m%d") + seq
    return body + mod11_2(body)


def foreign_2023(
    province: str = "11",
    country: str = "840",
    born: dt.date = dt.date(1980, 1, 1),
    seq: str = "001",
) -> str:
    body = "9" + province + country + born.strftime("%Y%m%d") + seq
    return body + mod11_2(body)


def org_code(body8: str) -> str:
    # int(c, 36): digits as themselves, letters A=10 ... Z=35
    check = 11 - sum(int(c, 36) * w for c, w in zip(body8, (3, 7, 9, 10, 5, 8, 4, 2))) % 11
    return body8 + {10: "X", 11: "0"}.get(check, str(check))


def uscc(first17: str) -> str:
    total = sum(USCC_CHARS.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return first17 + USCC_CHARS[(31 - total % 31) % 31]


def refused(call, *args, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        call(*args, **kwargs)
    return info.value


def check_id(id_type: str, value: str) -> str:
    return documents.validate_id_number(id_type, value, today=TODAY)


def other_last_char(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


# --- D1: resident ID card -------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "11010519491231002X",  # GB 11643 example
        resident_id("440305", dt.date(2000, 2, 29), "123"),  # leap day
        resident_id("650102", dt.date(1900, 1, 1), "001"),  # earliest accepted birth date
        resident_id("460100", TODAY, "008"),  # born today
        resident_id("810000", dt.date(1990, 6, 1)),  # HK residents' residence permit
        resident_id("820000", dt.date(1990, 6, 1)),  # Macau
        resident_id("830000", dt.date(1990, 6, 1)),  # Taiwan
    ],
)
def test_d1_resident_id_valid(number):
    assert check_id("resident_id", number) == number


def test_d1_resident_id_normalised():
    """Full-width digits, spaces and a lower-case x are the same number."""
    full_width = "１１０１０５ １９４９１２３１ ００２ｘ"
    assert check_id("resident_id", full_width) == "11010519491231002X"
    assert check_id("resident_id", "11010519491231002x") == "11010519491231002X"


@pytest.mark.parametrize(
    "number", ["11010519491231002X", resident_id("440305", dt.date(1985, 7, 14), "371")]
)
def test_d1_resident_id_check_digit_refused(number):
    error = refused(check_id, "resident_id", other_last_char(number))
    assert error.field == "id_number" and CHECK_REFUSED in said(error)


def test_d1_every_check_character():
    """Numbers whose check values cover 0–10 (X): each verifies, each other ending is refused."""
    numbers = {}
    for seq in range(1000):
        number = resident_id("320102", dt.date(1988, 8, 8), f"{seq:03d}")
        numbers.setdefault(number[-1], number)
    assert sorted(numbers) == sorted("0123456789X")
    for number in numbers.values():
        assert check_id("resident_id", number) == number
        for wrong in set("0123456789X") - {number[-1]}:
            assert CHECK_REFUSED in said(refused(check_id, "resident_id", number[:-1] + wrong))


def test_d1_fifteen_digit_id_refused():
    error = refused(check_id, "resident_id", "110105491231002")
    assert error.field == "id_number" and "18 位" in said(error) and "15 位" in said(error)


@pytest.mark.parametrize(
    "born,fragment",
    [
        ("19490230", "不是有效日期"),
        ("19491301", "不是有效日期"),
        ("18991231", "1900"),
        ((TODAY + dt.timedelta(days=1)).strftime("%Y%m%d"), "1900"),
    ],
)
def test_d1_resident_id_birth_date_refused(born, fragment):
    body = "110105" + born + "002"
    error = refused(check_id, "resident_id", body + mod11_2(body))
    assert error.field == "id_number" and "出生日期" in said(error) and fragment in said(error)


@pytest.mark.parametrize("prefix", ["000000", "190000", "240000", "720000", "840000"])
def test_d1_resident_id_province_refused(prefix):
    error = refused(check_id, "resident_id", resident_id(prefix))
    assert "省级行政区划代码" in said(error) and prefix[:2] in said(error)


def test_d1_foreigner_number_as_resident_id_refused_with_hint():
    error = refused(check_id, "resident_id", foreign_2023())
    assert "外国人永久居留身份证" in said(error)


def test_d1_today_is_the_beijing_date():
    """Birth dates are judged by the date in Beijing: 16:00 UTC is already the next day."""
    midnight = dt.datetime(2025, 8, 31, 16, 0, tzinfo=dt.UTC).timestamp()
    assert documents.beijing_date(midnight - 1) == dt.date(2025, 8, 31)
    assert documents.beijing_date(midnight) == dt.date(2025, 9, 1)
    born_then = resident_id(born=dt.date(2025, 9, 1))
    today = documents.beijing_date(midnight)
    assert documents.validate_id_number("resident_id", born_then, today=today) == born_then


def test_d1_birth_date_bounded_by_todays_date_by_default():
    far_future = resident_id(born=dt.date(2999, 1, 1))
    assert "出生日期" in said(refused(documents.validate_id_number, "resident_id", far_future))


# --- D1: the other natural-person documents --------------------------------------------------


@pytest.mark.parametrize(
    "id_type,number",
    [
        ("hk_macau_permit", "H12345678"),
        ("hk_macau_permit", "M87654321"),
        ("hk_macau_permit", "H1234567801"),  # older form: 10 digits
        ("taiwan_permit", "12345678"),
        ("taiwan_permit", "1234567801"),  # older 10-digit form
        ("passport", "E12345678"),
        ("passport", "EA1234567"),
        ("passport", "EH7654321"),
        ("passport", "G12345678"),  # issued before 2012
        ("foreign_permanent_residence", "USA110080010112"),  # 2017: alpha-3 + 12 digits
        ("foreign_permanent_residence", foreign_2023()),
        ("foreign_permanent_residence", foreign_2023("44", "392", dt.date(1975, 3, 9), "017")),
    ],
)
def test_d1_document_formats_accepted(id_type, number):
    assert check_id(id_type, number) == number


def test_d1_other_documents_normalised():
    assert check_id("hk_macau_permit", "ｈ１２３４５６７８") == "H12345678"
    assert check_id("passport", " e 1234 5678 ") == "E12345678"
    assert check_id("foreign_permanent_residence", "usa 110080010112") == "USA110080010112"


INVALID = [
    ("resident_id", "", "请填写居民身份证号码"),
    ("resident_id", "1101051949123100", "18 位"),
    ("resident_id", "1101051949123100A2", "18 位"),
    ("hk_macau_permit", "12345678", "H 或 M 加 8 位数字"),
    ("hk_macau_permit", "H1234567", "H 或 M 加 8 位数字"),
    ("hk_macau_permit", "K12345678", "H 或 M 加 8 位数字"),
    ("taiwan_permit", "1234567", "8 位数字"),
    ("taiwan_permit", "T1234567", "8 位数字"),
    ("taiwan_permit", "12345678(B)", "括号"),
    ("taiwan_permit", "12345678（Ｂ）", "括号"),
    ("passport", "EI1234567", "不含 I、O"),
    ("passport", "EO1234567", "不含 I、O"),
    ("passport", "E1234567", "E 加 8 位数字"),
    ("passport", "P12345678", "E 加 8 位数字"),
    ("passport", "GA1234567", "G 加 8 位数字"),
    ("foreign_permanent_residence", "US1100800101123", "2017 年版"),
    ("foreign_permanent_residence", "USA11008001011", "2017 年版"),
    ("foreign_permanent_residence", "812345678901234567", "9 开头"),
    ("foreign_permanent_residence", other_last_char(foreign_2023()), CHECK_REFUSED),
    ("foreign_permanent_residence", foreign_2023(province="00"), "受理地代码"),
    ("foreign_permanent_residence", foreign_2023(born=dt.date(1899, 12, 31)), "出生日期"),
]


@pytest.mark.parametrize("id_type,value,fragment", INVALID)
def test_d1_invalid_document_numbers_refused(id_type, value, fragment):
    error = refused(check_id, id_type, value)
    assert error.field == "id_number" and fragment in said(error)


def test_d1_unknown_document_type_refused():
    assert refused(check_id, "driving_licence", "123").field == "id_type"


# --- D3: the mobile number as a login identifier ---------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "+86 138 0013 8000",
        "+8613800138000",
        "0086-138-0013-8000",
        "１３８００１３８０００",
        "＋８６ １３８－００１３－８０００",
    ],
)
def test_d3_mobile_numbers_normalised(value):
    assert documents.validate_mobile(value) == "13800138000"
    assert documents.looks_like_mobile(value)


@pytest.mark.parametrize(
    "value,fragment",
    [
        ("", "请填写手机号码"),
        ("12800138000", "11 位"),
        ("1380013800", "11 位"),
        ("138001380001", "11 位"),
        ("+85213800138000", "11 位"),
        ("1380013800A", "11 位"),
    ],
)
def test_d3_invalid_mobile_refused(value, fragment):
    error = refused(documents.validate_mobile, value)
    assert error.field == "phone" and fragment in said(error)
    assert not documents.looks_like_mobile(value)


def test_d3_document_numbers_do_not_look_like_mobiles():
    assert not documents.looks_like_mobile("11010519491231002X")
    assert not documents.looks_like_mobile("E12345678")
    assert not documents.looks_like_mobile("1234567801")  # older Taiwan permit


def test_d3_login_key_one_spelling_per_identifier():
    assert {
        documents.login_key(v) for v in ("13800138000", "+86 138-0013-8000", "0086 138 0013 8000")
    } == {"13800138000"}
    assert documents.login_key("1101 0519 4912 3100 2x") == "11010519491231002X"


# --- D2: unified social credit code ----------------------------------------------------------

PUBLIC_USCCS = ["91350100M000100Y43", "91110000802100433B"]
BUILT_USCCS = [
    uscc("91440300" + org_code("MA5FXXXX")),  # enterprise, Shenzhen
    uscc("92110105" + org_code("L1234567")),  # individual business (个体工商户, P5)
    uscc("12100000" + org_code("40000012")),  # central public institution, division 100000
    uscc("51310000" + org_code("50000007")),  # social organisation
    uscc("N2330100" + org_code("MB000001")),  # village collective (amendment XG1-2016)
    uscc("Y1110000" + org_code("MC000002")),  # other
]


@pytest.mark.parametrize("code", PUBLIC_USCCS + BUILT_USCCS)
def test_d2_uscc_valid(code):
    assert documents.validate_uscc(code) == code


def test_d2_uscc_normalised():
    assert documents.validate_uscc(" 91350100m000100y43 ") == "91350100M000100Y43"
    assert documents.validate_uscc("９１３５０１００Ｍ０００１００Ｙ４３") == "91350100M000100Y43"


@pytest.mark.parametrize("code", PUBLIC_USCCS + BUILT_USCCS)
def test_d2_uscc_check_character(code):
    wrong = code[:17] + next(c for c in USCC_CHARS if c != code[17])
    error = refused(documents.validate_uscc, wrong)
    assert error.field == "uscc" and "第 18 位校验码" in said(error)


def test_d2_uscc_embedded_organisation_code_check():
    """Chars 9–17 carry their own GB 11714 check; the final character cannot hide an error."""
    body = "91440300" + "MA5FXXXX"
    wrong_org_check = next(c for c in "0123456789X" if c != org_code("MA5FXXXX")[-1])
    error = refused(documents.validate_uscc, uscc(body + wrong_org_check))
    assert error.field == "uscc" and "组织机构代码" in said(error)


@pytest.mark.parametrize(
    "value,fragment",
    [
        ("", "请填写统一社会信用代码"),
        ("91350100M000100Y4", "应为 18 位，您填写了 17 位"),
        ("91350100M000100Y433", "您填写了 19 位"),
        ("91350100I000100Y43", "“I”"),
        ("91350100O000100Y43", "“O”"),
        ("91350100M000100Z43", "“Z”"),
        ("91350100M000100S43", "“S”"),
        ("91350100M000100V43", "“V”"),
        ("91350100M00010-Y43", "“-”"),
        ("B1350100M000100Y43", "第 1 位（登记管理部门代码）“B”"),
        ("94350100M000100Y43", "第 2 位（机构类别代码）“4”"),
        ("Y2350100M000100Y43", "与登记管理部门代码“Y”不对应"),
        ("913501A0M000100Y43", "第 3–8 位"),
    ],
)
def test_d2_uscc_refused_with_reason(value, fragment):
    error = refused(documents.validate_uscc, value)
    assert error.field == "uscc" and fragment in said(error)


def test_d2_organisation_code():
    assert documents.validate_organization_code("M000100Y-4") == "M000100Y4"
    assert documents.validate_organization_code(org_code("40000012")) == org_code("40000012")
    assert "校验码" in said(refused(documents.validate_organization_code, "M000100Y-5"))
    assert refused(documents.validate_organization_code, "M000100").field == "org_code"


# --- D4: validity period ---------------------------------------------------------------------


def test_d4_expired_document_refused():
    error = refused(
        documents.validate_validity, dt.date(2015, 3, 1), dt.date(2025, 3, 1), False, TODAY
    )
    assert error.field == "valid_to" and "证件已过期" in said(error)


def test_d4_valid_through_its_end_date():
    validity = documents.validate_validity(dt.date(2015, 9, 1), TODAY, False, TODAY, "passport")
    assert validity == documents.Validity(dt.date(2015, 9, 1), TODAY, False)
    assert not validity.expired(TODAY) and validity.expired(TODAY + dt.timedelta(days=1))


def test_d4_long_term_resident_id_allowed():
    validity = documents.validate_validity(dt.date(2010, 5, 4), None, True, TODAY, "resident_id")
    assert validity.long_term and validity.end is None
    assert not validity.expired(dt.date(2100, 1, 1))


@pytest.mark.parametrize(
    "id_type", ["passport", "hk_macau_permit", "taiwan_permit", "foreign_permanent_residence"]
)
def test_d4_long_term_refused_for_documents_with_an_end_date(id_type):
    error = refused(documents.validate_validity, dt.date(2020, 1, 1), None, True, TODAY, id_type)
    assert error.field == "long_term" and "居民身份证" in said(error)


@pytest.mark.parametrize(
    "start,end,long_term,field,fragment",
    [
        (None, dt.date(2030, 1, 1), False, "valid_from", "请填写证件有效期开始日期"),
        (TODAY + dt.timedelta(days=1), dt.date(2035, 1, 1), False, "valid_from", "不能晚于今天"),
        (dt.date(2020, 1, 1), None, False, "valid_to", "或选择“长期”"),
        (dt.date(2020, 1, 1), dt.date(2020, 1, 1), False, "valid_to", "应晚于开始日期"),
        (dt.date(2020, 1, 1), dt.date(2019, 1, 1), False, "valid_to", "应晚于开始日期"),
        (dt.date(2020, 1, 1), dt.date(2040, 1, 1), True, "valid_to", "已选择“长期”"),
    ],
)
def test_d4_invalid_validity_refused(start, end, long_term, field, fragment):
    error = refused(documents.validate_validity, start, end, long_term, TODAY)
    assert error.field == field and fragment in said(error)


# --- D5: masking -----------------------------------------------------------------------------


def test_d5_masking_keeps_four_and_four():
    assert documents.mask_id_number("110101199003071234") == "1101**********1234"
    assert documents.mask_uscc("91350100M000100Y43") == "9135**********0Y43"
    assert documents.mask_mobile("13812345678") == "138****5678"


@pytest.mark.parametrize(
    "number,masked",
    [
        ("USA110080010112", "USA*********112"),  # 15 characters: 3 + 3
        ("E12345678", "E1*****78"),  # passport: 2 + 2
        ("12345678", "12****78"),  # Taiwan permit
        ("123", "***"),
        ("", ""),
    ],
)
def test_d5_short_numbers_keep_at_most_a_quarter_each_end(number, masked):
    assert documents.mask_id_number(number) == masked
    assert documents.mask_mobile("12345") == "*****"


# --- existing callers: account creation and login (D1, D3, D5) -------------------------------


def test_d1_account_creation_validates_and_masks(app):
    created = accounts.create_natural_person(
        name="李四",
        phone="+86 139-0013-9000",
        password=PASSWORD,
        id_type="resident_id",
        id_number="１１０１０５１９４９１２３１００２ｘ",
    )
    assert created.phone == "13900139000"
    assert created.id_number_masked == "1101**********002X"
    assert accounts.find_by_login("11010519491231002x").id == created.id
    assert accounts.find_by_login("0086 139 0013 9000").id == created.id
    error = refused(
        accounts.create_natural_person,
        name="王五",
        phone="13700137000",
        password=PASSWORD,
        id_type="resident_id",
        id_number=other_last_char("11010519491231002X"),
    )
    assert error.field == "id_number" and CHECK_REFUSED in said(error)


def test_d3_login_throttle_counts_every_spelling_of_a_mobile(browser, rp, user):
    """Writing the number as +86 …, 0086 … or with dashes does not buy extra attempts."""
    response = browser.authorize(rp)
    page = browser.follow(response)
    spellings = ("+86 " + PHONE, "0086-" + PHONE, PHONE[:3] + "-" + PHONE[3:])
    assert len(spellings) == MAX_FAILURES
    for spelling in spellings:
        failed = browser.submit(page, identifier=spelling, password="Wrong-password-1")
        assert failed.status_code == 200
    locked = browser.submit(page, identifier=PHONE, password=PASSWORD)
    assert locked.status_code == 200  # locked: the right password gives the login page again
    assert not (locked.location or "").endswith("/consent")
