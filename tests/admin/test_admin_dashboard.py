"""The migration dashboard (roles auditor and system, read only): the legacy accounts
imported, signed in, supplemented and linked by user type and by Beijing day, as server-drawn
SVG charts with <title>/<desc> and a table of the same numbers beside each, and the pending
reviews and appeals."""

from __future__ import annotations

import re

import pytest

from adminkit import login, make_admin
from idp.domain.models._types import from_timestamp
from idp.extensions import db
from legacykit import make_legacy_account


def signed_in(app, role: str):
    http = app.test_client()
    _, secret = make_admin(f"{role}1", role)
    login(http, f"{role}1", secret)
    return http


def table(html: str, table_id: str) -> list[list[str]]:
    body = html.split(f'id="{table_id}"')[1].split("<tbody>")[1].split("</tbody>")[0]
    return [re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row) for row in body.split("</tr>")[:-1]]


@pytest.mark.parametrize("role", ["auditor", "system"])
def test_the_dashboard_shows_counts_by_kind_and_day_with_svg_and_tables(app, clock, role):
    now = clock.now()
    for n, kind in enumerate(["natural", "natural", "legal", "agency"]):
        row = make_legacy_account(f"D{n}", kind=kind, id_type=None)
        if n == 0:
            row.first_login_at = row.supplemented_at = row.linked_at = from_timestamp(now)
        if n == 3:
            row.imported_at = from_timestamp(now - 86400)
    db.session.commit()
    html = signed_in(app, role).get("/admin/migration").get_data(as_text=True)
    assert html.count("<svg") == 8 and html.count("<title id=") == 8
    assert html.count("<desc id=") == 8
    assert "https://" not in html.split("<main")[1] and "<script" not in html
    kinds = table(html, "imported-kinds")
    assert kinds == [["自然人", "2"], ["法人", "1"], ["代理机构", "1"], ["简易用户", "0"]]
    days = table(html, "imported-days")
    assert len(days) == 30
    assert days[-1][1:] == ["2", "1", "0", "0", "3"] and days[-2][1:] == ["0", "0", "1", "0", "1"]
    assert table(html, "signed_in-kinds")[0] == ["自然人", "1"]
    assert table(html, "linked-days")[-1][-1] == "1"
    assert "人工申诉" in html and "机构注册审核" in html


def test_the_home_page_links_the_dashboard(app):
    html = signed_in(app, "auditor").get("/admin/").get_data(as_text=True)
    assert 'href="/admin/migration"' in html


def test_a_reviewer_may_not_see_the_dashboard(app):
    assert signed_in(app, "reviewer").get("/admin/migration").status_code == 403
