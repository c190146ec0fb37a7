"""Identity documents and mobile numbers: normalisation, validation, masking (D1, D5).

Issue scope so far: the resident ID card (GB 11643 MOD 11-2 check digit) and mainland mobile
numbers are fully checked; the other natural-person documents get their format checks here and
are completed with the full validator set of the accounts work.
"""
from __future__ import annotations

import re
import unicodedata

from .errors import ValidationError

ID_TYPES = {
    "resident_id": "居民身份证",
    "hk_macau_permit": "港澳居民来往内地通行证",
    "taiwan_permit": "台湾居民来往大陆通行证",
    "passport": "普通护照",
    "foreign_permanent_residence": "外国人永久居留身份证",
}

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CHECK = "10X98765432"
_FORMATS = {
    "hk_macau_permit": re.compile(r"^[HM]\d{8}(\d{2})?$"),
    "taiwan_permit": re.compile(r"^\d{8}(\d{2})?$"),
    "passport": re.compile(r"^[EG]\d{8}$|^E[A-HJ-NP-Z]\d{7}$"),
    "foreign_permanent_residence": re.compile(r"^[A-Z]{3}\d{12}$|^9\d{17}$"),
}


def normalize(value: str) -> str:
    """NFKC (full-width digits become ASCII), no spaces, upper case (a trailing x becomes X)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or "")).upper()


def resident_id_check_char(first17: str) -> str:
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS)) % 11]


def validate_mobile(value: str) -> str:
    number = normalize(value)
    if number.startswith("+86"):
        number = number[3:]
    if not _MOBILE.match(number):
        raise ValidationError("手机号码格式不正确：应为 11 位中国大陆手机号码。", "phone")
    return number


def validate_id_number(id_type: str, value: str) -> str:
    if id_type not in ID_TYPES:
        raise ValidationError("证件类型不正确。", "id_type")
    number = normalize(value)
    if id_type == "resident_id":
        if len(number) == 15:
            raise ValidationError("不支持 15 位身份证号码，请使用 18 位居民身份证号码。", "id_number")
        if not re.match(r"^\d{17}[\dX]$", number):
            raise ValidationError("居民身份证号码应为 18 位（最后一位可为 X）。", "id_number")
        if resident_id_check_char(number[:17]) != number[17]:
            raise ValidationError("居民身份证号码校验位不正确，请核对。", "id_number")
        return number
    if not _FORMATS[id_type].match(number):
        raise ValidationError(f"{ID_TYPES[id_type]}号码格式不正确。", "id_number")
    return number


def looks_like_mobile(value: str) -> bool:
    number = normalize(value)
    return bool(_MOBILE.match(number[3:] if number.startswith("+86") else number))


def mask_id_number(number: str) -> str:
    if len(number) <= 8:
        return number[:1] + "*" * max(0, len(number) - 2) + number[-1:]
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_mobile(number: str) -> str:
    return number[:3] + "****" + number[-4:] if len(number) == 11 else "*" * len(number)
