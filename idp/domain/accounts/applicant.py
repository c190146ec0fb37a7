"""A natural person's application data (S2) and the check of every field (D1, D4, S2).

``check`` validates each field on its own and reports every error at once on its field, so the
page can show each message next to its input; the rules themselves live in ``documents``,
``validity``, ``address``, ``mobile`` and ``password_policy``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from ..errors import Reason, ValidationError
from ..identity import address, documents, names
from ..verification.codes import normalise_destination
from . import users as accounts

T = TypeVar("T")


@dataclass
class PersonApplication:
    id_type: str = ""
    name: str = ""
    id_number: str = ""
    valid_from: str = ""  # YYYY-MM-DD as typed (an <input type="date">)
    valid_to: str = ""
    long_term: bool = False
    province: str = ""
    city: str = ""
    county: str = ""
    street: str = ""
    postal_code: str = ""
    email: str = ""
    email_code: str = ""
    phone: str = ""
    sms_code: str = ""
    password: str = ""
    password_confirm: str = ""
    agreed: bool = False


def parse_date(value: str, field: str) -> dt.date | None:
    text = documents.normalize(value)
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError("date.format", field) from None


def check(a: PersonApplication, today: dt.date) -> tuple[dict[str, Any], dict[str, Reason]]:
    """Every field of S2 checked on its own: (clean values, errors by field)."""
    errors: dict[str, Reason] = {}
    validity = None

    def attempt(fn: Callable[[], T]) -> T | None:
        try:
            return fn()
        except ValidationError as exc:
            errors.setdefault(exc.field or "form", exc)
            return None

    name = attempt(lambda: names.check_name(a.name))
    number = attempt(lambda: documents.validate_id_number(a.id_type, a.id_number, today))
    start = attempt(lambda: parse_date(a.valid_from, "valid_from"))
    end = None if a.long_term else attempt(lambda: parse_date(a.valid_to, "valid_to"))
    if "valid_from" not in errors and "valid_to" not in errors:
        validity = attempt(
            lambda: documents.validate_validity(
                start,
                end,
                a.long_term,
                today,
                a.id_type if a.id_type in documents.ID_TYPES else None,
            )
        )
    attempt(lambda: address.normalize_street(a.street))  # reported even when a code is wrong
    attempt(lambda: address.normalize_postal_code(a.postal_code))
    place = attempt(
        lambda: address.validate_address(a.province, a.city, a.county, a.street, a.postal_code)
    )
    phone = attempt(lambda: documents.validate_mobile(a.phone))
    email = attempt(lambda: normalise_destination("mail", a.email))
    if a.password != a.password_confirm:
        errors["password_confirm"] = "password.confirm_mismatch_plain"
    attempt(lambda: accounts.validate_password(a.password, context=[phone, number]))
    if not a.agreed:
        errors["agreed"] = "agreement.required"
    if errors:
        return {}, errors
    return dict(
        name=name, number=number, validity=validity, address=place, phone=phone, email=email
    ), {}
