"""Identity documents of natural persons (D1), with the other identifier validators (D2, D4, D5).

The one place that validates identifiers: persons here, mobile numbers in ``mobile``,
organisations in ``uscc`` (D2), validity periods in ``validity`` (D4); all are re-exported so
callers import this module only.
Every value is normalised first (NFKC, no spaces, upper case) and every refusal is a
``ValidationError`` whose code names the reason (words: idp/web/messages.py) on its field.

Per document type (``ID_TYPES``):
- resident_id: 18 characters, GB 11643: province-level code (GB/T 2260, plus 81/82/83 of the
  HK/Macau/Taiwan residents' residence permits, same layout), birth date (chars 7–14: a real
  date, 1900 to today), MOD 11-2 check character. 15-digit first-generation numbers refused.
- hk_macau_permit: H or M + 8 digits (card issued since 2013); the older booklet form H or M +
  10 digits (the last two count renewals) is still accepted.
- taiwan_permit: 8 digits (card issued since 2015); the older 10-digit number is accepted. The
  old booklet's letter in parentheses, e.g. ``12345678(B)``, counts renewals and is not part of
  the number: it is refused with a message saying to leave it out, so one person has one number.
- passport (普通护照): E + 8 digits, E + a letter other than I/O + 7 digits, or G + 8 digits
  (issued before 2012). No check character is printed in the number (only in the MRZ).
- foreign_permanent_residence: the 2023 number (issued from 2023-12-01; National Immigration
  Administration notice) is 18 characters: 9, the accepting province (2), the nationality as a
  numeric country code (3), the birth date (8), a sequence (3) and a MOD 11-2 check character;
  the province, birth date and check are validated. The 2017 number is 3 Latin letters (the
  ISO 3166-1 alpha-3 nationality) + 12 digits; its inner layout and check are not publicly
  specified, so only that shape is checked, and real-name verification (S7) does the rest.
"""

from __future__ import annotations

import datetime as dt
import re
import time

from ..errors import ValidationError
from .identifiers import (
    PROVINCES,
    beijing_date,
    gb11643_check,
    is_ascii_digits,
    mask_middle,
    normalize,
    parse_date,
)
from .mobile import login_key, looks_like_mobile, mask_mobile, validate_mobile
from .uscc import mask_uscc, validate_organization_code, validate_uscc
from .validity import Validity, validate_validity

__all__ = [
    "ID_TYPES",
    "Validity",
    "beijing_date",
    "login_key",
    "looks_like_mobile",
    "mask_id_number",
    "mask_mobile",
    "mask_uscc",
    "normalize",
    "resident_id_check_char",
    "validate_id_number",
    "validate_mobile",
    "validate_organization_code",
    "validate_uscc",
    "validate_validity",
]

ID_TYPES = {
    "resident_id": "居民身份证",
    "hk_macau_permit": "港澳居民来往内地通行证",
    "taiwan_permit": "台湾居民来往大陆通行证",
    "passport": "普通护照",
    "foreign_permanent_residence": "外国人永久居留身份证",
}
EARLIEST_BIRTH = dt.date(1900, 1, 1)
_FIELD = "id_number"


def _refuse(code: str, **params: str) -> ValidationError:
    return ValidationError(code, _FIELD, **params)


def resident_id_check_char(first17: str) -> str:
    """The GB 11643 (MOD 11-2) check character of the first 17 digits."""
    return gb11643_check(first17)


def _birth_date(digits: str, today: dt.date, id_type: str) -> None:
    born = parse_date(digits)
    if born is None:
        raise _refuse("id_number.birth_date_invalid", id_type=id_type, digits=digits)
    if not EARLIEST_BIRTH <= born <= today:
        raise _refuse("id_number.birth_date_range", id_type=id_type, digits=digits)


def _resident_id(number: str, today: dt.date) -> None:
    if is_ascii_digits(number, 15):
        raise _refuse("id_number.resident_15")
    if not re.fullmatch(r"[0-9]{17}[0-9X]", number):
        raise _refuse("id_number.resident_format")
    if number[0] == "9":
        raise _refuse("id_number.resident_is_foreign")
    if number[:2] not in PROVINCES:
        raise _refuse("id_number.resident_province", province=number[:2])
    _birth_date(number[6:14], today, "resident_id")
    if gb11643_check(number[:17]) != number[17]:
        raise _refuse("id_number.resident_checksum")


def _hk_macau_permit(number: str, today: dt.date) -> None:
    if not re.fullmatch(r"[HM]([0-9]{8}|[0-9]{10})", number):
        raise _refuse("id_number.hk_macau_format")


def _taiwan_permit(number: str, today: dt.date) -> None:
    if re.fullmatch(r"[0-9]{8}([0-9]{2})?\([A-Z]\)", number):
        raise _refuse("id_number.taiwan_suffix")
    if not re.fullmatch(r"[0-9]{8}([0-9]{2})?", number):
        raise _refuse("id_number.taiwan_format")


def _passport(number: str, today: dt.date) -> None:
    if not re.fullmatch(r"E[0-9]{8}|E[A-HJ-NP-Z][0-9]{7}|G[0-9]{8}", number):
        raise _refuse("id_number.passport_format")


def _foreign_permanent_residence(number: str, today: dt.date) -> None:
    if re.fullmatch(r"[A-Z]{3}[0-9]{12}", number):
        return  # 2017 format: only the shape is publicly specified
    if not re.fullmatch(r"9[0-9]{16}[0-9X]", number):
        raise _refuse("id_number.foreign_format")
    if number[1:3] not in PROVINCES:
        raise _refuse("id_number.foreign_place", place=number[1:3])
    _birth_date(number[6:14], today, "foreign_permanent_residence")
    if gb11643_check(number[:17]) != number[17]:
        raise _refuse("id_number.foreign_checksum")


_VALIDATORS = {
    "resident_id": _resident_id,
    "hk_macau_permit": _hk_macau_permit,
    "taiwan_permit": _taiwan_permit,
    "passport": _passport,
    "foreign_permanent_residence": _foreign_permanent_residence,
}


def validate_id_number(id_type: str, value: str, today: dt.date | None = None) -> str:
    """The normalised document number, or a ValidationError (D1). ``today`` (Beijing date,
    see ``beijing_date``) bounds embedded birth dates; by default the system clock's."""
    if id_type not in ID_TYPES:
        raise ValidationError("id_type.invalid", "id_type")
    number = normalize(value)
    if not number:
        raise _refuse("id_number.missing", id_type=id_type)
    _VALIDATORS[id_type](number, today or beijing_date(time.time()))
    return number


def mask_id_number(number: str) -> str:
    """First four and last four shown (D5): ``1101**********1234``; shorter numbers show at
    most a quarter at each end (``E1*****78``), so a masked passport number stays masked."""
    return mask_middle(number)
