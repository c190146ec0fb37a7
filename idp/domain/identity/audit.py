"""Existing rows that break today's input rules (docs/accounts.md, "What identifiers and names
accept"): reported, never changed.

Rows written before a rule existed (or by hand, or by an older import) may hold a document
number in other scripts' digits, a name with a zero-width space, an e-mail address list. Each
stored value is checked again by the very function that checks new input — ``names``,
``documents`` (with ``mobile`` and ``uscc``) and ``emails`` — and encrypted numbers are
decrypted for it. A ``Finding`` names the table, the row id, the field and the rule, never the
value: the operator looks at the row itself. Nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select

from ...extensions import db
from ...services import services
from .. import purposes
from ..crypto import DecryptionError
from ..errors import ValidationError
from ..models import LegacyAccount, LegacyAppeal, Organisation, User
from ..organisations.accounts import FOREIGN_DOCUMENT
from . import contacts, documents, emails, names

RULES = {
    "empty": "为空",
    "too-long": "超过长度上限",
    "invisible-character": "含有控制字符或不可见的格式字符",
    "no-letter": "不含文字",
    "non-ascii": "含有 ASCII 以外的字符（如其他文字的数字）",
    "invalid": "格式或校验位不正确",
    "not-normalised": "不是规范写法（如多余空格、大小写或全角字符）",
    "undecryptable": "无法解密",
    "unknown-type": "证件类型无效",
}
ID_PURPOSE, USCC_PURPOSE = purposes.ID_NUMBER, purposes.USCC


@dataclass(frozen=True)
class Finding:
    table: str
    row_id: int
    field: str
    rule: str

    @property
    def description(self) -> str:
        return RULES[self.rule]

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "description": self.description}


def name_rule(value: str | None, limit: int) -> str | None:
    clean = names.clean(value)
    return names.name_problem(clean, limit) or (None if clean == value else "not-normalised")


def _normalised_rule(value: str, check: Callable[[str], str]) -> str | None:
    """``invalid`` when ``check`` refuses the value, ``not-normalised`` when it would be
    stored otherwise, ``non-ascii`` before either when an identifier is not ASCII."""
    if not value.isascii():
        return "non-ascii"
    try:
        return None if check(value) == value else "not-normalised"
    except ValidationError:
        return "invalid"


def email_rule(value: str) -> str | None:
    try:
        return None if emails.normalise_email(value) == value else "not-normalised"
    except ValidationError:
        return "invalid"


def _decrypted(encrypted: str, purpose: str) -> str | None:
    try:
        return services().cipher.decrypt(encrypted, purpose)
    except (DecryptionError, ValueError):
        return None


def document_rule(id_type: str | None, encrypted: str) -> str | None:
    number = _decrypted(encrypted, ID_PURPOSE)
    if number is None:
        return "undecryptable"
    if id_type == FOREIGN_DOCUMENT:  # a foreign representative's own document (D2, S5)
        return (
            None
            if re.fullmatch(r"[0-9A-Z]{4,40}", number)
            else ("non-ascii" if not number.isascii() else "invalid")
        )
    if id_type not in documents.ID_TYPES:
        return "unknown-type"
    today = documents.beijing_date(services().clock.now())
    return _normalised_rule(number, lambda v: documents.validate_id_number(id_type, v, today))


def uscc_rule(encrypted: str) -> str | None:
    code = _decrypted(encrypted, USCC_PURPOSE)
    return "undecryptable" if code is None else _normalised_rule(code, documents.validate_uscc)


def mobile_rule(encrypted: str) -> str | None:
    value = _decrypted(encrypted, contacts.PHONE_INDEX)
    return "undecryptable" if value is None else _normalised_rule(value, documents.validate_mobile)


def sealed_email_rule(encrypted: str) -> str | None:
    value = _decrypted(encrypted, contacts.EMAIL_INDEX)
    return "undecryptable" if value is None else email_rule(value)


# table -> (model, [(field, columns, rule over the column values)])
CHECKS: dict[
    str,
    tuple[
        type[User | Organisation | LegacyAccount | LegacyAppeal],
        list[tuple[str, tuple[str, ...], Callable[..., str | None]]],
    ],
] = {
    "users": (
        User,
        [
            ("name", ("name",), lambda v: name_rule(v, 100)),
            ("phone", ("phone_enc",), mobile_rule),
            ("email", ("email_enc",), sealed_email_rule),
            ("id_number", ("id_type", "id_number_enc"), document_rule),
        ],
    ),
    "organisations": (
        Organisation,
        [
            ("name", ("name",), lambda v: name_rule(v, 200)),
            ("name_en", ("name_en",), lambda v: name_rule(v, 200)),
            ("rep_name", ("rep_name",), lambda v: name_rule(v, 100)),
            ("uscc", ("uscc_enc",), uscc_rule),
            ("rep_id_number", ("rep_id_type", "rep_id_number_enc"), document_rule),
            ("contact_phone", ("contact_phone_enc",), mobile_rule),
        ],
    ),
    "legacy_accounts": (
        LegacyAccount,
        [
            ("name", ("name",), lambda v: name_rule(v, 200)),
            ("id_number", ("id_type", "id_number_enc"), document_rule),
            ("uscc", ("uscc_enc",), uscc_rule),
            ("phone", ("phone_enc",), mobile_rule),
            ("email", ("email_enc",), sealed_email_rule),
        ],
    ),
    "legacy_appeals": (
        LegacyAppeal,
        [
            ("name", ("name",), lambda v: name_rule(v, 200)),
            ("phone", ("phone_enc",), mobile_rule),
            ("email", ("email_enc",), sealed_email_rule),
        ],
    ),
}
BATCH = 1000


def findings() -> Iterator[Finding]:
    """Every breach, table by table in id order; a NULL (absent) value is no breach."""
    for table, (model, checks) in CHECKS.items():
        columns = sorted({c for _, cols, _ in checks for c in cols})
        query = select(model.id, *(getattr(model, c) for c in columns)).order_by(model.id)
        for row in db.session.execute(query.execution_options(yield_per=BATCH)):
            values = dict(zip(["id", *columns], row))
            for field, cols, rule in checks:
                args = [values[c] for c in cols]
                if args[-1] is None:
                    continue
                broken = rule(*args)
                if broken is not None:
                    yield Finding(table, values["id"], field, broken)
