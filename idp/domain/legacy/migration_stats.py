"""The legacy migration's figures, for the migration dashboard (admin area; roles auditor,
system): how many legacy accounts were imported, signed in (their first successful legacy
login), supplemented (supplementation completed and linked) and linked (by either way), by
user type and by day, plus the office's queues (pending organisation reviews, pending manual
appeals: how many, and the oldest's age).

Days are Beijing days (the office's, ``identifiers.BEIJING``, a fixed UTC+8): on PostgreSQL
``timezone('UTC', col) + 8 hours`` cast to a date, on SQLite ``strftime('%Y-%m-%d', col,
'+8 hours')`` (the column holds UTC). Each timestamp column has an index ``(col, kind)``,
PARTIAL (``WHERE col IS NOT NULL``) but for ``imported_at`` (migrations 0016, 0017): every
query is an index-only scan, of the whole index by kind, of the window's range by day, measured
on a million accounts by ``scripts/bench_dashboard.py`` (docs/legacy.md). Reads only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Date, cast, func, select, text

from ...extensions import db
from ...services import services
from ..identity.identifiers import BEIJING, beijing_date
from ..models import LegacyAccount, LegacyAppeal, ReviewCase
from ..models.legacy import KINDS
from ..models.review import PENDING

__all__ = ["BEIJING", "DAYS", "METRICS", "Figures", "Queue", "figures"]

IMPORTED, SIGNED_IN, SUPPLEMENTED, LINKED = "imported", "signed_in", "supplemented", "linked"
METRICS = (IMPORTED, SIGNED_IN, SUPPLEMENTED, LINKED)
COLUMNS: dict[str, Any] = {
    IMPORTED: LegacyAccount.imported_at,
    SIGNED_IN: LegacyAccount.first_login_at,
    SUPPLEMENTED: LegacyAccount.supplemented_at,
    LINKED: LegacyAccount.linked_at,
}
DAYS = 30  # the days shown by day, today included


@dataclass
class Queue:
    count: int
    oldest_age: float | None  # seconds since the oldest pending one was opened


@dataclass
class Figures:
    days: list[dt.date]
    # metric -> kind -> count (every kind present, zeros included)
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)
    # metric -> day -> kind -> count (every day of ``days``, every kind)
    by_day: dict[str, dict[dt.date, dict[str, int]]] = field(default_factory=dict)
    reviews: Queue = field(default_factory=lambda: Queue(0, None))
    appeals: Queue = field(default_factory=lambda: Queue(0, None))

    def total(self, metric: str) -> int:
        return sum(self.by_kind[metric].values())

    def day_total(self, metric: str, day: dt.date) -> int:
        return sum(self.by_day[metric][day].values())


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def beijing_day(column: Any) -> ColumnElement[Any]:
    """The Beijing date of a UTC timestamp column, in SQL (text ``YYYY-MM-DD`` on SQLite)."""
    if _postgres():
        return cast(func.timezone("UTC", column) + text("interval '8 hours'"), Date)
    return func.strftime("%Y-%m-%d", column, "+8 hours")


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def counts_by_kind(metric: str) -> dict[str, int]:
    column = COLUMNS[metric]
    statement = select(LegacyAccount.kind, func.count()).group_by(LegacyAccount.kind)
    if metric != IMPORTED:
        statement = statement.where(column.is_not(None))
    found = {kind: int(n) for kind, n in db.session.execute(statement)}
    return {kind: found.get(kind, 0) for kind in KINDS}


def counts_by_day(metric: str, first: dt.date) -> dict[dt.date, dict[str, int]]:
    """day -> kind -> count from Beijing day ``first`` on (days without any are absent)."""
    column = COLUMNS[metric]
    since = dt.datetime.combine(first, dt.time(), BEIJING).astimezone(dt.UTC)
    day = beijing_day(column).label("day")
    statement = (
        select(day, LegacyAccount.kind, func.count())
        .where(column.is_not(None), column >= since)
        .group_by(day, LegacyAccount.kind)
    )
    out: dict[dt.date, dict[str, int]] = {}
    for value, kind, count in db.session.execute(statement):
        out.setdefault(_as_date(value), {})[kind] = int(count)
    return out


def pending(model: Any) -> Queue:
    """How many of ``model`` (review cases, appeals) are pending, and the oldest's age."""
    count, oldest = db.session.execute(
        select(func.count(), func.min(model.created_at)).where(model.status == PENDING)
    ).one()
    if not count or oldest is None:
        return Queue(int(count or 0), None)
    if isinstance(oldest, str):  # SQLite's MIN gives the stored text
        oldest = dt.datetime.fromisoformat(oldest)
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=dt.UTC)
    return Queue(int(count), max(0.0, services().clock.now() - oldest.timestamp()))


def figures(days: int = DAYS) -> Figures:
    """Everything the dashboard shows: totals by kind and the last ``days`` Beijing days."""
    today = beijing_date(services().clock.now())
    window = [today - dt.timedelta(days=n) for n in range(days - 1, -1, -1)]
    result = Figures(window)
    for metric in METRICS:
        result.by_kind[metric] = counts_by_kind(metric)
        found = counts_by_day(metric, window[0])
        result.by_day[metric] = {
            day: {kind: found.get(day, {}).get(kind, 0) for kind in KINDS} for day in window
        }
    result.reviews = pending(ReviewCase)
    result.appeals = pending(LegacyAppeal)
    return result
