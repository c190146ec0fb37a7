"""The validity period of an identity document (D4): start, end, or long-term (长期).

An expired document is refused ("证件已过期"). A document is valid through its end date. Only
the resident ID card is issued as long-term (长期, to holders aged 46 and over); passports,
travel permits and the foreigner permanent residence ID always carry an end date, so "long-term"
is refused for them when the caller says which document it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..errors import ValidationError

LONG_TERM_TYPES = frozenset({"resident_id"})


@dataclass(frozen=True)
class Validity:
    start: dt.date
    end: dt.date | None  # None exactly when long_term
    long_term: bool

    def expired(self, today: dt.date) -> bool:
        return self.end is not None and self.end < today


def validate_validity(
    start: dt.date | None,
    end: dt.date | None,
    long_term: bool,
    today: dt.date,
    id_type: str | None = None,
) -> Validity:
    """A checked validity period, or a ValidationError naming the field at fault (D4)."""
    if start is None:
        raise ValidationError("validity.from_missing", "valid_from")
    if start > today:
        raise ValidationError("validity.from_future", "valid_from")
    if long_term:
        if end is not None:
            raise ValidationError("validity.long_term_with_end", "valid_to")
        if id_type is not None and id_type not in LONG_TERM_TYPES:
            raise ValidationError("validity.long_term_type", "long_term")
        return Validity(start, None, True)
    if end is None:
        raise ValidationError("validity.to_missing", "valid_to")
    if end <= start:
        raise ValidationError("validity.to_before_from", "valid_to")
    if end < today:
        raise ValidationError("validity.expired", "valid_to")
    return Validity(start, end, False)
