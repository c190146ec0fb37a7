"""Revealing a full ID number on the review and appeal case pages (D5; issue 12): only after
re-authentication (``guard.fresh_required``), never cached (``no-store``), audited as
``admin.id_revealed`` with subject and case but never the number."""

from __future__ import annotations

import datetime as dt

import pytest

import trailkit
from adminkit import ADMIN_PASSWORD, code, csrf, login, make_admin
from idp.domain.admins import totp
from idp.domain.legacy import appeals
from idp.domain.organisations import registration as organisations
from idp.domain.organisations import reviews
from idp.domain.organisations.registration import Representative, Upload
from idp.domain.trail import events as trail_events
from idp.extensions import db
from idp.services import services
from legacykit import make_legacy_account
from orgkit import contact, pdf_bytes, resident_id

PERSON = resident_id(11)


@pytest.fixture
def settings_overrides(tmp_path):
    return {"files": {"upload_dir": str(tmp_path / "uploads"), "max_size": 64 * 1024}}


@pytest.fixture
def reviewer(app, client):
    admin_id, secret = make_admin("reviewer1", "reviewer")
    login(client, "reviewer1", secret)
    return admin_id, secret


def appeal_with_legacy_number():
    make_legacy_account("L0001", id_number=PERSON)
    appeal = appeals.open_appeal(
        account="L0001",
        name="张三",
        phone="13700137000",
        email=None,
        content="我的历史账号无法通过验证，请人工核实。",
        identity_proof=Upload("id.pdf", pdf_bytes()),
        phone_verified=True,
    )
    db.session.commit()
    return appeal


def register_foreign(number: str):
    org = organisations.register_foreign_legal_person(
        category="enterprise",
        country="英国",
        name="示例（英国）有限公司",
        name_en="Example UK Ltd",
        registration_number="UK-0012345",
        representative=Representative(
            name="John Smith",
            id_type="foreign_document",
            id_number=number,
            valid_from=dt.date(2020, 1, 1),
            valid_to=dt.date(2030, 1, 1),
            nationality="英国",
        ),
        contact=contact("13900139000"),
        identity_proof=Upload("护照.pdf", pdf_bytes()),
        qualification=Upload("certificate.pdf", pdf_bytes(2)),
    )
    db.session.commit()
    return reviews.case_for(org)


def reauthenticate(http, location: str, secret: str):
    page = http.get(location)
    services().clock.advance(totp.STEP)
    return http.post(
        location,
        data={"csrf_token": csrf(page), "password": ADMIN_PASSWORD, "code": code(secret)},
    )


def test_appeal_reveal_needs_fresh_reauthentication_is_no_store_and_audited(client, reviewer):
    admin_id, secret = reviewer
    appeal = appeal_with_legacy_number()
    url = f"/admin/appeals/{appeal.id}/reveal"
    services().clock.advance(services().settings.admin.reauth_window + 1)
    asked = client.get(url)
    assert asked.status_code == 302 and "/admin/reauth" in asked.location
    assert trailkit.entries(trail_events.ADMIN_ID_REVEALED) == []
    done = reauthenticate(client, asked.location, secret)
    assert done.status_code == 302 and done.location.endswith(url)
    shown = client.get(url)
    assert shown.status_code == 200 and PERSON in shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"
    entry = trailkit.only(trail_events.ADMIN_ID_REVEALED)
    assert entry.actor == f"admin:{admin_id}"
    assert trailkit.detail(entry)["case"] == f"appeal:{appeal.id}"
    assert PERSON not in trailkit.serialised(entry) and PERSON[-6:] not in trailkit.serialised(
        entry
    )


def test_review_reveal_shows_the_representatives_number_audited_without_it(client, reviewer):
    case = register_foreign(number="X7654321")
    html = client.get(f"/admin/reviews/{case.id}").get_data(as_text=True)
    assert "X7654321" not in html and f"/admin/reviews/{case.id}/reveal" in html
    shown = client.get(f"/admin/reviews/{case.id}/reveal")  # just signed in: fresh
    assert shown.status_code == 200 and "X7654321" in shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"
    entry = trailkit.only(trail_events.ADMIN_ID_REVEALED)
    assert entry.subject_id == case.user_id
    assert "X7654321" not in trailkit.serialised(entry)


@pytest.mark.parametrize("role", ["system", "auditor"])
def test_other_roles_cannot_reveal(app, role):
    appeal = appeal_with_legacy_number()
    http = app.test_client()
    _, secret = make_admin(f"{role}1", role)
    login(http, f"{role}1", secret)
    assert http.get(f"/admin/appeals/{appeal.id}/reveal").status_code == 403
    assert trailkit.entries(trail_events.ADMIN_ID_REVEALED) == []
