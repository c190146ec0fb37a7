"""Organisation identifiers: the unified social credit code and the organisation code (D2).

USCC (统一社会信用代码, GB 32100-2015 with amendment XG1-2016), 18 characters over the alphabet
0-9 A-H J-N P-R T U W-Y (no I, O, Z, S, V):

- 1: registration authority (登记管理部门代码), checked against the standard's table;
- 2: organisation category (机构类别代码), checked to be one of that authority's categories;
- 3–8: division code of the registering authority, checked to be six digits only: central
  bodies use 100000 and some registrations use codes outside the GB/T 2260 province list, so
  the province is not checked, to refuse no real code;
- 9–17: the organisation code (GB 11714), 8 characters and its own check character, checked;
- 18: the check character (GB 32100, mod 31), checked.

The organisation code (组织机构代码) on its own is 9 characters, often written ``XXXXXXXX-X``;
organisations registered before the USCC may still log in with it (login table, rule G).
"""

from __future__ import annotations

import re

from ..errors import ValidationError
from .identifiers import (
    USCC_ALPHABET,
    gb11714_check,
    gb32100_check,
    is_ascii_digits,
    mask_middle,
    normalize,
)

# registration authority -> its organisation categories (GB 32100-2015 table + XG1-2016)
CATEGORIES = {
    "1": "1239",  # 机构编制: 机关, 事业单位, 中央编办直管的群众团体, 其他
    "2": "19",  # 外交: 外国常驻新闻机构, 其他
    "3": "123459",  # 司法行政: 律师执业机构, 公证处, 基层法律服务所, 司法鉴定机构, 仲裁委员会, 其他
    "4": "19",  # 文化: 外国在华文化中心, 其他
    "5": "1239",  # 民政: 社会团体, 民办非企业单位, 基金会, 其他
    "6": "129",  # 旅游: 外国/港澳台旅游部门常驻代表机构, 其他
    "7": "129",  # 宗教: 宗教活动场所, 宗教院校, 其他
    "8": "19",  # 工会: 基层工会, 其他
    "9": "123",  # 工商: 企业, 个体工商户, 农民专业合作社
    "A": "19",  # 中央军委改革和编制办公室: 军队事业单位, 其他
    "N": "1239",  # 农业: 组级/村级/乡镇级集体经济组织, 其他
    "Y": "1",  # 其他: 不再划分机构类别
}

_FIELD = "uscc"


def _refuse(code: str, field: str = _FIELD, **params: str | int) -> ValidationError:
    return ValidationError(code, field, **params)


def validate_uscc(value: str) -> str:
    """The normalised USCC, or a ValidationError saying which part is wrong (D2)."""
    code = normalize(value)
    if not code:
        raise _refuse("uscc.missing")
    if len(code) != 18:
        raise _refuse("uscc.length", length=len(code))
    bad = next((c for c in code if c not in USCC_ALPHABET), None)
    if bad is not None:
        raise _refuse("uscc.character", char=bad)
    if code[0] not in CATEGORIES:
        raise _refuse("uscc.authority", authority=code[0])
    if code[1] not in CATEGORIES[code[0]]:
        raise _refuse("uscc.category", category=code[1], authority=code[0])
    if not is_ascii_digits(code[2:8]):
        raise _refuse("uscc.region")
    if gb11714_check(code[8:16]) != code[16]:
        raise _refuse("uscc.org_code_checksum")
    if gb32100_check(code[:17]) != code[17]:
        raise _refuse("uscc.checksum")
    return code


def validate_organization_code(value: str) -> str:
    """A 9-character organisation code (GB 11714), with or without the dash before the check."""
    code = normalize(value).replace("-", "")
    if not re.fullmatch(r"[0-9A-Z]{8}[0-9X]", code):
        raise _refuse("org_code.format", "org_code")
    if gb11714_check(code[:8]) != code[8]:
        raise _refuse("org_code.checksum", "org_code")
    return code


def mask_uscc(code: str) -> str:
    """First four and last four characters shown (D5): ``9135**********0Y43``."""
    return mask_middle(code)
