"""Mainland mobile numbers: a login identifier (D3) shown masked (D5).

Accepted input: 11 digits starting 13–19, optionally with +86 or 0086 in front and with spaces
or dashes anywhere (full-width characters are normalised first); the stored form is the bare
11 digits, so ``+86 138-0013-8000`` and ``13800138000`` are the same login.
"""

from __future__ import annotations

import re

from ..errors import ValidationError
from .identifiers import normalize

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_DASHES = re.compile(r"[-‐‑‒–—]")


def _mobile_digits(value: str) -> str:
    number = _DASHES.sub("", normalize(value))
    for prefix in ("+86", "0086"):
        if number.startswith(prefix):
            return number[len(prefix) :]
    return number


def validate_mobile(value: str) -> str:
    """The bare 11-digit number, or a ValidationError on field ``phone``."""
    number = _mobile_digits(value)
    if not number:
        raise ValidationError("phone.missing", "phone")
    if not _MOBILE.fullmatch(number):
        raise ValidationError("phone.format", "phone")
    return number


def looks_like_mobile(value: str) -> bool:
    return bool(_MOBILE.fullmatch(_mobile_digits(value)))


def login_key(identifier: str) -> str:
    """One spelling per login identifier (D3): the bare mobile number, else the normalised
    value, so ``+86 138-0013-8000`` and ``13800138000`` share one throttle and one lookup."""
    return validate_mobile(identifier) if looks_like_mobile(identifier) else normalize(identifier)


def mask_mobile(number: str) -> str:
    """``138****5678`` (D5)."""
    return number[:3] + "****" + number[-4:] if len(number) == 11 else "*" * len(number)
