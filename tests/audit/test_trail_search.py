"""Search and CSV export of the audit trail (issue 12, "Audit"): by user, type and time; the
CSV is UTF-8 with a BOM for Excel and no cell can run as a formula (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io

import pytest

from idp.domain import trail
from idp.domain.trail import search
from trailkit import commit

HOSTILE = ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.fixture
def trail_rows(app, clock):
    """Three users' entries a day apart; hostile text in a client id and the detail."""
    start = int(clock.now())
    for n, hostile in enumerate(HOSTILE):
        trail.record(trail.CONSENT_GRANTED, subject=n % 3, client=hostile, scopes=[hostile])
        clock.advance(86400)
    trail.record(trail.LOGIN_FAILED, result=trail.REFUSED, subject=1, entry="personal")
    commit()
    return start


def test_search_filters_by_user_type_and_time(trail_rows):
    start = trail_rows
    assert [e.subject_id for e in search.search(user=1)] == [1, 1, 1]
    assert [e.event for e in search.search(user=1, event=trail.LOGIN_FAILED)] == ["login.failed"]
    window = list(search.search(since=start + 86400, until=start + 3 * 86400))
    assert [e.at - start for e in window] == [86400, 2 * 86400]


def test_csv_is_excel_utf8_with_bom_and_hostile_cells_are_neutralised(trail_rows):
    out = io.StringIO()
    assert search.write_csv(search.search(event=trail.CONSENT_GRANTED), out) == len(HOSTILE)
    text = out.getvalue()
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == list(search.COLUMNS)
    client = rows[0].index("client_id")
    assert [r[client] for r in rows[1:]] == ["'" + h for h in HOSTILE]
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(search.FORMULA_STARTS), row


@pytest.mark.parametrize("cell", HOSTILE + ["=1", "-", "@"])
def test_safe_cell_prefixes_every_formula_start(cell):
    assert search.safe_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["plain", "1", "中文", "'=already", " =space"])
def test_safe_cell_leaves_other_text(cell):
    assert search.safe_cell(cell) == cell


def test_cli_search_csv_and_filters(app, trail_rows):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "search", "--user", "1", "--type", "login.failed"])
    assert result.exit_code == 0
    assert result.output.count("login.failed") == 1
    exported = runner.invoke(args=["audit", "search", "--type", "consent.granted", "--csv"])
    assert exported.output.startswith("\ufeffid,at,time,event")
    assert "'=HYPERLINK" in exported.output
    bad = runner.invoke(args=["audit", "search", "--type", "nonsense"])
    assert bad.exit_code == 2
    since = runner.invoke(args=["audit", "search", "--since", "2100-01-01T00:00:00+08:00"])
    assert since.exit_code == 0 and since.output == ""
