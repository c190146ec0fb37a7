"""The validity period of an identity document (D4): start, end, or long-term (长期).

An expired document is refused ("证件已过期"). A document is valid through its end date. Only
the resident ID card is issued as long-term (长期, to holders aged 46 and over); passports,
travel permits and the foreigner permanent residence ID always carry an end date, so "long-term"
is refused for them when the caller says which document it is.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .errors import ValidationError

LONG_TERM_TYPES = frozenset({"resident_id"})


@dataclass(frozen=True)
class Validity:
    start: dt.date
    end: dt.date | None  # None exactly when long_term
    long_term: bool

    def expired(self, today: dt.date) -> bool:
        return self.end is not None and self.end < today


def validate_validity(start: dt.date | None, end: dt.date | None, long_term: bool,
                      today: dt.date, id_type: str | None = None) -> Validity:
    """A checked validity period, or a ValidationError naming the field at fault (D4)."""
    if start is None:
        raise ValidationError("请填写证件有效期开始日期。", "valid_from")
    if start > today:
        raise ValidationError("证件有效期开始日期不能晚于今天，请核对。", "valid_from")
    if long_term:
        if end is not None:
            raise ValidationError("已选择“长期”，请不要再填写证件有效期结束日期。", "valid_to")
        if id_type is not None and id_type not in LONG_TERM_TYPES:
            raise ValidationError("只有居民身份证可以为长期有效，请填写证件有效期结束日期。",
                                  "long_term")
        return Validity(start, None, True)
    if end is None:
        raise ValidationError("请填写证件有效期结束日期，或选择“长期”。", "valid_to")
    if end <= start:
        raise ValidationError("证件有效期结束日期应晚于开始日期，请核对。", "valid_to")
    if end < today:
        raise ValidationError("证件已过期，请使用有效期内的证件。", "valid_to")
    return Validity(start, end, False)
