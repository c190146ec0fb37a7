"""The check characters and the birth date of identifiers, against the standards' own formulas.

``identifiers`` computes them from lookup tables (the legacy import checks a million numbers);
these tests compute the same values the way GB 11643, GB 11714 and GB 32100 state them, over
random and edge inputs, so a faster table can never change an answer.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from idp.domain.identity import identifiers

RNG = random.Random(20261203)
DIGITS = "0123456789"
ALNUM = DIGITS + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def gb11643_by_formula(first17: str) -> str:
    """ISO 7064 MOD 11-2: weight 2**(17-i) mod 11; check (12 - sum mod 11) mod 11, 10 is X."""
    total = sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def gb11714_by_formula(body8: str) -> str:
    """Weights 3 7 9 10 5 8 4 2, A=10 ... Z=35; 11 - sum mod 11, 10 is X and 11 is 0."""
    total = sum(ALNUM.index(c) * w for c, w in zip(body8, (3, 7, 9, 10, 5, 8, 4, 2)))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def gb32100_by_formula(first17: str) -> str:
    """31-character alphabet without I O Z S V, weight 3**i mod 31; 31 - sum mod 31, 31 is 0."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    total = sum(alphabet.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return alphabet[(31 - total % 31) % 31]


def test_gb11643_check_is_the_standard_mod_11_2():
    cases = ["".join(RNG.choice(DIGITS) for _ in range(17)) for _ in range(3000)]
    cases += ["0" * 17, "9" * 17, "11010519491231002"]
    assert [identifiers.gb11643_check(c) for c in cases] == [gb11643_by_formula(c) for c in cases]


def test_gb11714_check_is_the_standard_organisation_code_check():
    cases = ["".join(RNG.choice(ALNUM) for _ in range(8)) for _ in range(3000)]
    cases += ["0" * 8, "Z" * 8, "12345678"]
    assert [identifiers.gb11714_check(c) for c in cases] == [gb11714_by_formula(c) for c in cases]


def test_gb32100_check_is_the_standard_uscc_check():
    alphabet = identifiers.USCC_ALPHABET
    cases = ["".join(RNG.choice(alphabet) for _ in range(17)) for _ in range(3000)]
    cases += ["0" * 17, "Y" * 17]
    assert [identifiers.gb32100_check(c) for c in cases] == [gb32100_by_formula(c) for c in cases]


@pytest.mark.parametrize(
    "digits, expected",
    [
        ("20000229", dt.date(2000, 2, 29)),
        ("19000101", dt.date(1900, 1, 1)),
        ("19000229", None),
        ("20230230", None),
        ("20231301", None),
        ("20230001", None),
        ("20230100", None),
        ("00000101", None),
        ("2023011", None),
        ("202301011", None),
        ("2023-1-1", None),
        ("２０２３０１０１", None),
        ("٢٠٢٣٠١٠١", None),
        ("", None),
    ],
)
def test_parse_date_takes_only_real_yyyymmdd_dates(digits, expected):
    assert identifiers.parse_date(digits) == expected


def test_parse_date_agrees_with_the_calendar_on_every_day_of_a_leap_cycle():
    day = dt.date(1996, 1, 1)
    while day < dt.date(2001, 1, 1):
        assert identifiers.parse_date(day.strftime("%Y%m%d")) == day
        day += dt.timedelta(days=1)


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("110105 19491231 002x", "11010519491231002X"),
        ("\t91\u3000110000\n", "91110000"),
        ("ｅ１２３", "E123"),
        ("a\u00a0b", "AB"),
        ("ſı", "ſı"),
        (None, ""),
        ("", ""),
    ],
)
def test_normalize_folds_full_width_drops_whitespace_and_upper_cases_ascii(typed, expected):
    assert identifiers.normalize(typed) == expected
