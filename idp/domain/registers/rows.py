"""The registers' columns and the check of one row (Y1, Y2; used by ``registers_import``).

A header is matched column by column: the field's own name (``uscc``) or one of the registers'
Chinese headers (``统一社会信用代码``), after NFKC, trimming and case folding. ``header`` maps
the file's columns to fields, refuses a header without a required field or naming one field
twice (``DomainError``: nothing is imported), and lists the columns it ignores.

``parse`` checks one row and returns a ``Row``: the blind index that identifies it (the USCC's
for an agency, the document number's for a practitioner, D5), the plain values of the fields
the header has, and the keys that must be unique in the file. Nothing is encrypted here: the
first pass only checks; ``Row.stored`` encrypts for the write (second pass). Messages never
hold an ID number or a USCC (D5).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ...services import services
from ..errors import DomainError, Notice, ValidationError
from ..identity import documents, names
from ..legacy.ids import account_key
from .lookup import ID_INDEX, USCC_INDEX, uscc_index

# field -> the registers' own headers accepted for it; the required fields of each kind first
COLUMNS = {
    "agencies": {
        "uscc": ("统一社会信用代码", "机构统一社会信用代码", "代理机构统一社会信用代码"),
        "name": ("机构名称", "代理机构名称", "名称"),
        "filed_on": ("备案日期", "备案时间"),
        "filing_no": ("备案号", "备案编号"),
        "legacy_id": ("网上申请账号", "网上申请用户名", "历史账号"),
    },
    "practitioners": {
        "name": ("姓名", "从业人员姓名"),
        "id_type": ("证件类型", "身份证件类型"),
        "id_number": ("证件号码", "身份证件号码", "证件号"),
        "agency_uscc": (
            "所属机构统一社会信用代码",
            "代理机构统一社会信用代码",
            "机构统一社会信用代码",
        ),
        "practitioner_no": ("从业人员编号", "从业人员备案号", "执业证号"),
        "filed_on": ("备案日期", "备案时间"),
    },
}
REQUIRED = {"agencies": ("uscc", "name"), "practitioners": ("name", "id_type", "id_number")}
LABELS = {
    "uscc": "统一社会信用代码",
    "name": "名称",
    "filed_on": "备案日期",
    "filing_no": "备案号",
    "legacy_id": "网上申请账号",
    "id_type": "证件类型",
    "id_number": "证件号码",
    "agency_uscc": "所属机构统一社会信用代码",
    "practitioner_no": "从业人员编号",
}
# the document types' keys, their labels (documents.ID_TYPES) and two everyday short forms
ID_TYPE_NAMES = {
    **{k: k for k in documents.ID_TYPES},
    **{label: k for k, label in documents.ID_TYPES.items()},
    "身份证": "resident_id",
    "护照": "passport",
}
_DATE = re.compile(
    r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})|([0-9]{4})年([0-9]{1,2})月"
    r"([0-9]{1,2})日|([0-9]{4})([0-9]{2})([0-9]{2})"
)
NUMBER_LIMIT = 64  # filing_no, practitioner_no, legacy_account_key: String(64)


def _spelling(column: str) -> str:
    return unicodedata.normalize("NFKC", column or "").strip().casefold()


def header(kind: str, columns: list[str]) -> tuple[dict[int, str], list[str | Notice]]:
    """``({column position: field}, [ignored columns])`` of a file's header row: an ignored
    column by its name, or, when it has none, by its position (a ``Notice``)."""
    aliases = {_spelling(a): f for f, names_ in COLUMNS[kind].items() for a in (f, *names_)}
    where: dict[str, str]
    ignored: list[str | Notice]
    fields, ignored, where = {}, [], {}
    for position, column in enumerate(columns):
        field = aliases.get(_spelling(column))
        if field is None:
            ignored.append(
                column.strip() or Notice("register.unnamed_column", position=position + 1)
            )
        elif field in where:
            raise DomainError(
                "register.header_twice",
                first=where[field],
                second=column.strip(),
                column_label=LABELS[field],
            )
        else:
            fields[position], where[field] = field, column.strip()
    missing = [f"{f}（{LABELS[f]}）" for f in REQUIRED[kind] if f not in where]
    if missing:
        raise DomainError("register.header_missing", columns="、".join(missing))
    return fields, ignored


@dataclass
class Row:
    bidx: str  # uscc_bidx or id_number_bidx: the row's identity in the register
    values: dict[str, Any]  # field -> plain value, only the fields the header has
    unique: dict[str, str]  # what must be unique in the file: {"key": bidx, "legacy_id": key?}

    def stored(self, kind: str) -> dict[str, Any]:
        """The table's columns for this row, sensitive values encrypted (D5)."""
        out: dict[str, Any]
        v, cipher, out = self.values, services().cipher, {}
        if kind == "agencies":
            out.update(
                uscc_bidx=self.bidx, uscc_enc=cipher.encrypt(v["uscc"], USCC_INDEX), name=v["name"]
            )
            if "legacy_id" in v:
                out["legacy_account_key"] = v["legacy_id"]
        else:
            out.update(
                id_number_bidx=self.bidx,
                name=v["name"],
                id_number_enc=cipher.encrypt(v["id_number"], ID_INDEX),
            )
            if "agency_uscc" in v:
                out["agency_uscc_bidx"] = uscc_index(v["agency_uscc"]) if v["agency_uscc"] else None
        out.update((f, v[f]) for f in ("filed_on", "filing_no", "practitioner_no") if f in v)
        return out


def parse(kind: str, row: Mapping[str, str | None], today: dt.date) -> Row:
    """The checked row (``row``: field -> text), or a ValidationError saying what is wrong
    (the required fields are checked first, in the order of the columns table)."""
    text = {f: (value or "").strip() for f, value in row.items()}
    if kind == "agencies":
        values: dict[str, Any] = {
            "uscc": documents.validate_uscc(text["uscc"]),
            "name": names.check_name(text["name"], label="org_name", limit=200),
        }
        bidx = uscc_index(values["uscc"])
    else:
        values = {"name": names.check_name(text["name"], label="name", limit=100)}
        id_type = ID_TYPE_NAMES.get(text["id_type"]) or ID_TYPE_NAMES.get(
            text["id_type"].casefold()
        )
        if id_type is None:
            raise ValidationError(
                "register.id_type", value=text["id_type"][:20], id_types=list(documents.ID_TYPES)
            )
        values["id_number"] = documents.validate_id_number(id_type, text["id_number"], today=today)
        bidx = services().blind_index(values["id_number"], ID_INDEX)
    values.update((f, _OPTIONAL[f](value, today)) for f, value in text.items() if f in _OPTIONAL)
    unique = {"key": bidx}
    if values.get("legacy_id"):
        unique["legacy_id"] = values["legacy_id"]
    return Row(bidx, values, unique)


def _date(value: str, today: dt.date) -> dt.date | None:
    if not value:
        return None
    match = _DATE.fullmatch(documents.normalize(value))
    try:
        if match is None:
            raise ValueError
        parts = [g for g in match.groups() if g]
        parts = parts[:1] + parts[2:] if len(parts) == 4 else parts  # drop the separator
        day = dt.date(*(int(p) for p in parts))
    except ValueError:
        raise ValidationError("register.date_format", value=value[:20]) from None
    if day > today:
        raise ValidationError("register.date_future", value=value[:20])
    return day


def _number(label: str) -> Callable[[str, dt.date], str | None]:
    def check(value: str, today: dt.date) -> str | None:
        number = documents.normalize(value)
        if len(number) > NUMBER_LIMIT:
            raise ValidationError("register.number_length", column=label, limit=NUMBER_LIMIT)
        if any(unicodedata.category(ch) in names.INVISIBLE for ch in number):
            raise ValidationError("register.number_invisible", column=label)
        return number or None

    return check


def _legacy_id(value: str, today: dt.date) -> str | None:
    key = account_key(value)
    if len(key) > NUMBER_LIMIT:
        raise ValidationError("register.legacy_id_length", limit=NUMBER_LIMIT)
    if any(unicodedata.category(ch) in names.INVISIBLE for ch in key):
        raise ValidationError("register.legacy_id_invisible")
    return key or None


def _agency_uscc(value: str, today: dt.date) -> str | None:
    try:
        return documents.validate_uscc(value) if value else None
    except ValidationError as exc:
        raise ValidationError("register.agency_uscc", reason=exc) from None


# the optional fields: field -> check(text, today) -> value stored (None when empty)
_OPTIONAL = {
    "filed_on": _date,
    "filing_no": _number(LABELS["filing_no"]),
    "practitioner_no": _number(LABELS["practitioner_no"]),
    "legacy_id": _legacy_id,
    "agency_uscc": _agency_uscc,
}
