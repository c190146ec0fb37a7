"""The office's registers, browsed on the admin pages (Y1 agency filings, Y2 practitioners):
a page of rows, newest first, optionally narrowed to a search. Personal data is shown masked
only (D5): the USCC and the ID number are decrypted for the page and masked at once.

A search is either an exact USCC or ID number (found by its blind index, never by the plain
value, which the tables do not hold) or a part of the name. Reads only; an import
(``registers_import``) is seen by the next page and the next check (``registers_lookup``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select

from ...extensions import db
from ...services import services
from ..identity import documents
from ..identity.identifiers import mask_middle
from ..models import AgencyFiling, Practitioner
from .lookup import ID_INDEX, USCC_INDEX, uscc_index

PAGE_SIZE = 50
KINDS = ("agencies", "practitioners")


@dataclass(frozen=True)
class Entry:
    id: int
    name: str
    masked: str  # the USCC (agencies) or the ID number (practitioners), masked
    number: str | None  # filing number or practitioner number
    filed_on: dt.date | None
    legacy: bool  # agencies: a legacy account id is on file


@dataclass(frozen=True)
class Page:
    kind: str
    entries: list[Entry]
    total: int
    page: int
    pages: int


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _unsealed(stored: str, purpose: str) -> str:
    try:
        return mask_middle(services().cipher.decrypt(stored, purpose))
    except Exception:  # a value the current keys cannot open is shown as unreadable
        return "—"


def page(kind: str, query: str = "", number: int = 1, size: int = PAGE_SIZE) -> Page:
    """Page ``number`` (from 1) of register ``kind``, narrowed to ``query`` if given."""
    assert kind in KINDS, kind
    query = query.strip()[:100]
    statement: Select[Any]
    if kind == "agencies":
        statement = select(AgencyFiling)
        if query:
            statement = statement.where(
                or_(
                    AgencyFiling.uscc_bidx == uscc_index(query),
                    AgencyFiling.name.like(_like(query), escape="\\"),
                )
            )
        order = AgencyFiling.id.desc()
    else:
        statement = select(Practitioner)
        if query:
            bidx = services().blind_index(documents.normalize(query), ID_INDEX)
            statement = statement.where(
                or_(
                    Practitioner.id_number_bidx == bidx,
                    Practitioner.agency_uscc_bidx == uscc_index(query),
                    Practitioner.name.like(_like(query), escape="\\"),
                )
            )
        order = Practitioner.id.desc()
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    pages = max(1, -(-total // size))
    number = min(max(1, number), pages)
    rows = db.session.scalars(statement.order_by(order).limit(size).offset((number - 1) * size))
    entries = [_entry(kind, row) for row in rows]
    return Page(kind, entries, total, number, pages)


def _entry(kind: str, row: AgencyFiling | Practitioner) -> Entry:
    if isinstance(row, AgencyFiling):
        return Entry(
            row.id,
            row.name,
            _unsealed(row.uscc_enc, USCC_INDEX),
            row.filing_no,
            row.filed_on,
            row.legacy_account_key is not None,
        )
    return Entry(
        row.id,
        row.name,
        _unsealed(row.id_number_enc, ID_INDEX),
        row.practitioner_no,
        row.filed_on,
        False,
    )
