"""The audit trail for auditors (issue 12, "Audit": searchable by user, type and time; CSV export
safe against formula injection). Read only, role auditor: separated duties keep the people who
run the service out of the record of what they did.

The page shows the newest ``SHOWN`` entries that match; the CSV export carries every match
(``trail.search``, ``write_csv``: UTF-8 with BOM, formula cells neutralised), as an attachment.
Each export is itself audited (``admin.audit_exported``, with its filters).
"""

from __future__ import annotations

import datetime as dt
import io

from flask import Response, render_template, request

from ..domain.admins import accounts as admins
from ..domain.trail import events
from ..domain.trail import search as trail_search
from . import guard
from .audit import admin_audit
from .blueprint import bp
from .forms import TrailFilterForm

SHOWN = 200
DAY = 86400


def _filters(form: TrailFilterForm) -> dict[str, int | str | None]:
    """The search's filters from a valid form: dates are whole days in UTC, ``until``
    inclusive."""

    def day(value: dt.date | None, extra: int = 0) -> int | None:
        if value is None:
            return None
        start = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
        return int(start.timestamp()) + extra

    return {
        "user": form.user.data,
        "event": form.event.data or None,
        "since": day(form.since.data),
        "until": day(form.until.data, DAY),
    }


@bp.route("/audit", methods=["GET"])
@guard.requires(admins.AUDITOR)
def trail():
    form = TrailFilterForm(request.args, meta={"csrf": False})
    entries = []
    if form.validate():
        entries = list(trail_search.search(**_filters(form), limit=SHOWN, newest_first=True))
    status = 200 if not form.errors else 400
    return render_template(
        "admin/trail.html", form=form, entries=entries, shown=SHOWN, when=_when
    ), status


@bp.route("/audit.csv", methods=["GET"])
@guard.requires(admins.AUDITOR)
def trail_csv():
    form = TrailFilterForm(request.args, meta={"csrf": False})
    if not form.validate():
        return trail()
    filters = _filters(form)
    out = io.StringIO()
    count = trail_search.write_csv(trail_search.search(**filters), out)
    asked = {f"filter_{k}": v for k, v in filters.items() if v is not None}
    admin_audit(events.ADMIN_AUDIT_EXPORTED, rows=count, **asked)
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="audit-trail.csv"',
            "Cache-Control": "no-store",
        },
    )


def _when(at: int) -> str:
    return dt.datetime.fromtimestamp(at, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
