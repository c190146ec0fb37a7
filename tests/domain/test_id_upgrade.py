"""First-generation 15-digit resident ID numbers in their 18-digit form (GB 11643-1999; D1 and
the legacy import, L1): "19" before the two-digit birth year, MOD 11-2 check appended."""

from __future__ import annotations

import datetime as dt

import pytest

from idp.domain.errors import ValidationError
from idp.domain.identity import documents
from idp.domain.identity.identifiers import gb11643_check, upgrade_15_digit_id
from wordkit import raises_saying

TODAY = dt.date(2026, 1, 1)


def test_d1_known_15_digit_pair_is_upgraded():
    assert gb11643_check("11010519491231002") == "X"
    assert upgrade_15_digit_id("110105491231002") == "11010519491231002X"
    assert documents.validate_id_number("resident_id", "11010519491231002X", today=TODAY)


def test_d1_upgrade_normalises_and_keeps_area_birth_and_sequence():
    number = upgrade_15_digit_id(" １１０１０８８８０５１２００３ ")  # full-width, spaces
    assert number == "110108198805120033"
    assert number[:6] == "110108" and number[6:14] == "19880512" and number[14:17] == "003"
    assert number[17] == gb11643_check(number[:17])


@pytest.mark.parametrize(
    "value",
    [
        "",
        "11010549123100",
        "1101054912310023",
        "11010549123100X",
        "11010519491231002X",
        "abcdefghijklmno",
    ],
)
def test_d1_only_15_digits_are_upgraded(value):
    assert upgrade_15_digit_id(value) is None


def test_d1_upgraded_number_still_needs_a_real_birth_date():
    number = upgrade_15_digit_id("110105491331002")  # month 13
    assert number is not None
    with pytest.raises(ValidationError):
        documents.validate_id_number("resident_id", number, today=TODAY)


def test_d1_15_digit_number_is_still_refused_by_the_validator():
    """Registration keeps refusing 15 digits (D1): only the legacy import converts them."""
    with raises_saying(ValidationError, "15 位"):
        documents.validate_id_number("resident_id", "110105491231002", today=TODAY)
