"""The audit trail for auditors (issue 12, "Audit"): searchable by user, event type and date,
newest first; the CSV export is an attachment, safe against formula injection (OWASP "CSV
Injection") and itself audited. Role auditor only (the role matrix: test_admin_roles.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import trailkit
from adminkit import login, make_admin
from idp.domain import trail, transaction
from idp.services import services

DAY = 86400


def auditor(app):
    http = app.test_client()
    _, secret = make_admin("aud1", "auditor")
    login(http, "aud1", secret)
    return http


def entry(event: str, subject: int | None = None, **detail) -> None:
    trail.record(event, subject=subject, **detail)
    transaction.commit()


def shown(response) -> list[str]:
    """The event column of the table's rows, top to bottom (the page answered 200)."""
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_data(as_text=True).split("<tbody>")[1].split("</tbody>")[0]
    return re.findall(r"<tr>\s*<td>[^<]*</td><td>([a-z_.]+)</td>", body)


def test_the_auditor_searches_by_user_event_and_date_newest_first(app):
    entry(trail.MOBILE_CHANGED, subject=7)
    services().clock.advance(2 * DAY)
    entry(trail.EMAIL_CHANGED, subject=7)
    entry(trail.EMAIL_CHANGED, subject=8)
    http = auditor(app)

    assert shown(http.get("/admin/audit?user=7")) == ["email.changed", "mobile.changed"]
    assert shown(http.get("/admin/audit?event=email.changed")) == ["email.changed"] * 2

    today = trailkit.entries("email.changed")[0].at
    day = dt.datetime.fromtimestamp(today, dt.UTC).date().isoformat()
    assert shown(http.get(f"/admin/audit?user=7&since={day}&until={day}")) == ["email.changed"]


def test_a_bad_filter_is_a_400_with_its_error_linked(app):
    http = auditor(app)
    response = http.get("/admin/audit?user=-3&event=no.such")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'href="#user"' in html and 'href="#event"' in html


def test_the_csv_export_is_an_attachment_safe_in_a_spreadsheet_and_audited(app):
    formula = '=HYPERLINK("http://evil.example","x")'
    trail.record(trail.LOGIN_FAILED, result=trail.REFUSED, client=formula)
    transaction.commit()
    http = auditor(app)

    response = http.get("/admin/audit.csv?event=login.failed")

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    header, row = list(csv.reader(io.StringIO(text[1:])))
    assert row[header.index("client_id")] == "'" + formula  # shown as text, never evaluated
    exported = trailkit.only("admin.audit_exported")
    assert exported.actor.startswith("admin:") and exported.ip
    assert trailkit.detail(exported) == {"rows": 1, "filter_event": "login.failed"}
