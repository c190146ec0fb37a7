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
    "50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)
_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]+")
_DIGITS = re.compile("[0-9]+")
_SPACE = re.compile(r"\s+")
# character -> value in the check-character sums (tables: the legacy import checks a million)
_DIGIT_VALUE = {str(n): n for n in range(10)}
_GB11714_VALUE = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def fold_full_width(value: str | None) -> str:
    """Full-width forms (U+FF01–FF5E, what a Chinese input method types in full-width mode) and
    the ideographic space folded to their ASCII forms by NFKC; every other character is kept.

    Folding no more than that is deliberate: NFKC would also turn superscripts (¹), circled
    (①) and mathematical (𝟏) digits, ligatures and Roman numerals into ASCII, none of which is
    a plausible way to type an identifier, while Arabic-Indic (٣) or Devanagari (३) digits are
    not folded by NFKC at all. Whatever is left non-ASCII is refused by the validators."""
    return _FULL_WIDTH.sub(lambda m: unicodedata.normalize("NFKC", m.group()), value or "")


def normalize(value: str | None) -> str:
    """The one spelling of an identifier as typed: full-width forms folded (``fold_full_width``),
    no whitespace, ASCII letters in upper case (x becomes X; ``str.upper`` would also turn
    ``ſ`` into S and ``ı`` into I). The result may still hold non-ASCII characters:
    every identifier pattern here is ASCII-only (``[0-9]``, never ``\\d``, ``isdigit`` or
    ``int`` on unchecked text, which all accept other scripts' digits), so they are refused
    with the field's usual message."""
    value = value or ""
    if not value.isascii():
        value = fold_full_width(value)
    return _SPACE.sub("", value).translate(_ASCII_UPPER)


def is_ascii_digits(value: str, length: int | None = None) -> bool:
    """Only ASCII 0-9 (``str.isdigit`` also takes ``٣``, ``३`` and ``²``), of ``length`` if given."""
    return bool(_DIGITS.fullmatch(value)) and (length is None or len(value) == length)


def beijing_date(timestamp: float) -> dt.date:
    """The calendar date in Beijing at a Unix time (pass ``services().clock.now()``)."""
    return dt.datetime.fromtimestamp(timestamp, BEIJING).date()


def gb11643_check(first17: str) -> str:
    """The MOD 11-2 check character of 17 digits."""
    table = _DIGIT_VALUE
    return _GB11643_CHECK[sum(table[c] * w for c, w in zip(first17, _GB11643_WEIGHTS)) % 11]


def upgrade_15_digit_id(number: str) -> str | None:
    """The 18-digit form of a first-generation 15-digit resident ID number, or None when
    ``number`` is not 15 digits. GB 11643-1999: the century "19" goes before the two-digit
    birth year (after the 6-digit area code) and the MOD 11-2 check character is appended.
    The result is not validated here: pass it to ``documents.validate_id_number``."""
    number = normalize(number)
    if not is_ascii_digits(number, 15):
        return None
    first17 = number[:6] + "19" + number[6:]
    return first17 + gb11643_check(first17)


def gb11714_check(body8: str) -> str:
    """The check character of an 8-character organisation-code body."""
    table = _GB11714_VALUE  # digits, then A=10 ... Z=35
    total = sum(table.get(c, ord(c) - 55) * w for c, w in zip(body8, _GB11714_WEIGHTS))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def gb32100_check(first17: str) -> str:
    """The check character of the first 17 characters of a USCC (all in USCC_ALPHABET)."""
    table = _USCC_VALUE
    total = sum(table[c] * w for c, w in zip(first17, _GB32100_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def mask_middle(value: str, keep: int = 4) -> str:
    """Show at most ``keep`` characters at each end and never more than a quarter of the value
    at either end (D5): 18 characters keep 4 + 4, a 9-character passport number only 2 + 2."""
    shown = min(keep, len(value) // 4)
    if shown == 0:
        return "*" * len(value)
    return value[:shown] + "*" * (len(value) - 2 * shown) + value[-shown:]


def parse_date(digits: str) -> dt.date | None:
    """YYYYMMDD (8 ASCII digits) as a date, or None when it is not a real calendar date."""
    if not is_ascii_digits(digits, 8):
        return None
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None
