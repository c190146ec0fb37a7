"""What every identifier validator shares: normalisation and the check-character algorithms.

Kept apart from the validators so that person documents (``documents``), organisation codes
(``uscc``) and validity periods (``validity``) can use it without importing one another.

- GB 11643 (公民身份号码): ISO 7064 MOD 11-2 over 17 digits; weight of position i (from the
  left, 0-based) is 2**(17-i) mod 11; check value (12 - sum mod 11) mod 11, 10 written X.
  The 2023 foreigner permanent residence ID uses the same check (D1).
- GB 11714 (组织机构代码): 8 body characters (digits, or letters A=10 ... Z=35) with weights
  3 7 9 10 5 8 4 2; check = 11 - sum mod 11, 10 written X and 11 written 0.
- GB 32100 (统一社会信用代码): 31-character alphabet (no I, O, Z, S, V), weights 3**i mod 31;
  check = 31 - sum mod 31, 31 written 0 (D2).
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")

_GB11643_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_GB11643_CHECK = "10X98765432"
_GB11714_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_GB32100_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

# Province-level codes of GB/T 2260 (71 = 台湾省), plus 81/82/83: the address codes 810000,
# 820000 and 830000 of the residence permits for HK, Macau and Taiwan residents (港澳台居民居住证,
# 2018), which are 18-character numbers with the same layout and check character.
PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82 83".split())


def normalize(value: str | None) -> str:
    """NFKC (full-width digits and letters become ASCII), no spaces, upper case (x becomes X)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or "")).upper()


def beijing_date(timestamp: float) -> dt.date:
    """The calendar date in Beijing at a Unix time (pass ``services().clock.now()``)."""
    return dt.datetime.fromtimestamp(timestamp, BEIJING).date()


def gb11643_check(first17: str) -> str:
    """The MOD 11-2 check character of 17 digits."""
    return _GB11643_CHECK[sum(int(c) * w for c, w in zip(first17, _GB11643_WEIGHTS)) % 11]


def upgrade_15_digit_id(number: str) -> str | None:
    """The 18-digit form of a first-generation 15-digit resident ID number, or None when
    ``number`` is not 15 digits. GB 11643-1999: the century "19" goes before the two-digit
    birth year (after the 6-digit area code) and the MOD 11-2 check character is appended.
    The result is not validated here: pass it to ``documents.validate_id_number``."""
    number = normalize(number)
    if not re.fullmatch(r"\d{15}", number):
        return None
    first17 = number[:6] + "19" + number[6:]
    return first17 + gb11643_check(first17)


def gb11714_check(body8: str) -> str:
    """The check character of an 8-character organisation-code body."""
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w
                for c, w in zip(body8, _GB11714_WEIGHTS))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def gb32100_check(first17: str) -> str:
    """The check character of the first 17 characters of a USCC (all in USCC_ALPHABET)."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _GB32100_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def mask_middle(value: str, keep: int = 4) -> str:
    """Show at most ``keep`` characters at each end and never more than a quarter of the value
    at either end (D5): 18 characters keep 4 + 4, a 9-character passport number only 2 + 2."""
    shown = min(keep, len(value) // 4)
    if shown == 0:
        return "*" * len(value)
    return value[:shown] + "*" * (len(value) - 2 * shown) + value[-shown:]


def parse_date(digits: str) -> dt.date | None:
    """YYYYMMDD as a date, or None when it is not a real calendar date."""
    try:
        return dt.datetime.strptime(digits, "%Y%m%d").date()
    except ValueError:
        return None
