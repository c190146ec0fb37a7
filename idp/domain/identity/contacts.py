"""Mobiles and e-mail addresses at rest: encrypted, found by a blind index (rule D5).

A stored contact is two columns: ``<name>_enc``, the AES-GCM ciphertext under the field keys
(the purpose string is the associated data, so a mobile cannot be passed off as an e-mail), and
``<name>_bidx``, the keyed blind index of the *normalised* value (``documents.validate_mobile``,
``emails.normalise_email``) under its own purpose. Equality queries and the unique index of
active mobiles (D3) work on the blind index; nothing compares a plain value in SQL.

The models expose each pair as one attribute (``User.phone``, ``LegacyAccount.email``, …) through
``sealed``: reading decrypts, assigning seals, and ``Model.phone == value`` compares blind
indexes. Core statements that bypass the ORM (the legacy import) use ``sealed_values``.
"""

from __future__ import annotations

from collections.abc import Callable

from ...services import Services, services
from .. import purposes
from ..errors import ValidationError
from . import documents, emails

PHONE_INDEX = purposes.MOBILE
EMAIL_INDEX = purposes.EMAIL


def _mobile(value: str) -> str:
    return documents.validate_mobile(value)


def _email(value: str) -> str:
    return emails.normalise_email(value)


KINDS: dict[str, tuple[str, Callable[[str], str]]] = {
    "phone": (PHONE_INDEX, _mobile),
    "email": (EMAIL_INDEX, _email),
}


def index(kind: str, value: str) -> str:
    """The blind index of a mobile or e-mail, normalised first (an invalid value as given:
    it then simply matches nothing that was stored through validation)."""
    purpose, normalise = KINDS[kind]
    try:
        value = normalise(value)
    except ValidationError:
        pass
    return services().blind_index(value, purpose)


def phone_index(value: str) -> str:
    return index("phone", value)


def email_index(value: str) -> str:
    return index("email", value)


def seal(
    kind: str, value: str | None, *, normalised: bool = False, svc: Services | None = None
) -> tuple[str | None, str | None]:
    """``(ciphertext, blind index)`` of a value; ``(None, None)`` for no value.
    ``normalised``: the caller has validated the value already (the legacy import), so the
    index skips normalising it again (the e-mail check is the slow part of a million rows);
    ``svc``: the services, when the caller holds them (the import's workers)."""
    if value is None or value == "":
        return None, None
    purpose, svc = KINDS[kind][0], svc or services()
    bidx = svc.blind_index(value, purpose) if normalised else index(kind, value)
    return svc.cipher.encrypt(value, purpose), bidx


def unseal(kind: str, stored: str | None) -> str | None:
    return None if stored is None else services().cipher.decrypt(stored, KINDS[kind][0])


def sealed_values(
    name: str,
    kind: str,
    value: str | None,
    *,
    normalised: bool = False,
    svc: Services | None = None,
) -> dict[str, str | None]:
    """Column values of a contact for Core inserts and updates: ``{name_enc, name_bidx}``."""
    enc, bidx = seal(kind, value, normalised=normalised, svc=svc)
    return {f"{name}_enc": enc, f"{name}_bidx": bidx}
