"""The organisation review queue in the admin area (issue 12, "Reviews and appeals"; S5, P7;
role reviewer): the pending queue with count and age, the case page with masked identifiers,
the PDFs served only to reviewers and only as attachments of their own case, decisions through
``reviews.approve`` / ``reviews.reject`` with the applicant's SMS after commit, one decision per
case (also under concurrency, on PostgreSQL), and the ``admin.review_decided`` audit entry."""

from __future__ import annotations

import datetime as dt
import os
import threading

import pytest

import trailkit
from adminkit import csrf, login, make_admin
from enterprisekit import unverified_legal_person
from idp.domain import transaction
from idp.domain.accounts import users as accounts
from idp.domain.errors import DomainError
from idp.domain.models import ReviewCase, User
from idp.domain.organisations import registration as organisations
from idp.domain.organisations import reviews
from idp.domain.organisations.registration import Representative, Upload
from idp.domain.trail import events as trail_events
from idp.extensions import db
from idp.services import services
from orgkit import contact, legal_kwargs, pdf_bytes
from support import PASSWORD

CONTACT = "13900139000"


@pytest.fixture
def settings_overrides(tmp_path):
    return {"files": {"upload_dir": str(tmp_path / "uploads"), "max_size": 64 * 1024}}


def register_foreign(name: str = "示例（英国）有限公司", phone: str = CONTACT, number="X1234567"):
    org = organisations.register_foreign_legal_person(
        category="enterprise",
        country="英国",
        name=name,
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
        contact=contact(phone),
        identity_proof=Upload("护照.pdf", pdf_bytes()),
        qualification=Upload("certificate.pdf", pdf_bytes(2)),
    )
    db.session.commit()
    return reviews.case_for(org)


@pytest.fixture
def reviewer(app, client):
    admin_id, secret = make_admin("reviewer1", "reviewer")
    login(client, "reviewer1", secret)
    return admin_id


def sms_to(phone: str) -> list[dict]:
    return [m for m in services().sms.outbox.latest() if m["to"] == phone]


def decide(http, case_id: int, decision: str, reason: str = "", token: str | None = None):
    page = http.get(f"/admin/reviews/{case_id}")
    data = {"csrf_token": token or csrf(page), "decision": decision, "reason": reason}
    return http.post(f"/admin/reviews/{case_id}/decide", data=data)


def test_queue_lists_pending_cases_oldest_first_with_count_and_age(client, reviewer):
    first = register_foreign("甲（英国）有限公司", "13900139001", "X1000001")
    second = register_foreign("乙（法国）有限公司", "13900139002", "X1000002")
    now = dt.datetime.fromtimestamp(services().now(), dt.UTC)
    # submitted earlier (the admin session's idle limit forbids moving the clock two days)
    first.created_at = now - dt.timedelta(days=3, hours=3)
    second.created_at = now - dt.timedelta(days=2, minutes=5)
    db.session.commit()
    html = client.get("/admin/reviews").get_data(as_text=True)
    assert "共 2 件" in html
    assert html.index("甲（英国）有限公司") < html.index("乙（法国）有限公司")
    assert "3 天" in html and "2 天" in html
    assert f"/admin/reviews/{first.id}" in html and f"/admin/reviews/{second.id}" in html
    assert first.organisation.account_no in html
    decide(client, first.id, "approve")
    assert "甲（英国）有限公司" not in client.get("/admin/reviews").get_data(as_text=True)


def test_queue_filters_by_kind_foreign_or_set_aside_uscc(client, reviewer):
    register_foreign()
    squatter = unverified_legal_person(**legal_kwargs(contact=contact("13900139009")))
    organisations.register_legal_person(**legal_kwargs())
    db.session.commit()
    everything = client.get("/admin/reviews").get_data(as_text=True)
    assert "共 2 件" in everything and squatter.name in everything
    foreign = client.get("/admin/reviews?kind=foreign").get_data(as_text=True)
    assert "示例（英国）有限公司" in foreign and "待审核案件（1 件）" in foreign
    set_aside = client.get("/admin/reviews?kind=squatted_uscc").get_data(as_text=True)
    assert "示例（英国）有限公司" not in set_aside and "待审核案件（1 件）" in set_aside
    assert squatter.uscc_masked in set_aside


def test_case_page_masks_identifiers_and_links_the_two_pdfs(client, reviewer):
    case = register_foreign()
    html = client.get(f"/admin/reviews/{case.id}").get_data(as_text=True)
    assert "X1234567" not in html and case.organisation.rep_id_number_masked in html
    assert CONTACT not in html and "139****9000" in html
    for stored in (case.identity_proof, case.qualification):
        assert f"/admin/reviews/{case.id}/files/{stored.id}" in html


def test_file_is_served_as_an_attachment_never_inline(client, reviewer):
    case = register_foreign()
    response = client.get(f"/admin/reviews/{case.id}/files/{case.identity_proof.id}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]


def test_another_cases_file_id_is_not_found(client, reviewer):
    mine = register_foreign("甲（英国）有限公司", "13900139001", "X1000001")
    other = register_foreign("乙（法国）有限公司", "13900139002", "X1000002")
    assert client.get(f"/admin/reviews/{mine.id}/files/{other.qualification.id}").status_code == 404
    assert client.get(f"/admin/reviews/{mine.id}/files/999999").status_code == 404
    assert client.get(f"/admin/reviews/999999/files/{mine.qualification.id}").status_code == 404


@pytest.mark.parametrize("role", ["system", "auditor"])
def test_files_are_served_only_to_reviewers(app, client, role):
    case = register_foreign()
    _, secret = make_admin(f"{role}1", role)
    login(client, f"{role}1", secret)
    assert client.get(f"/admin/reviews/{case.id}/files/{case.identity_proof.id}").status_code == 403


def test_files_refuse_anonymous_visitors(client):
    case = register_foreign()
    response = client.get(f"/admin/reviews/{case.id}/files/{case.identity_proof.id}")
    assert response.status_code in (302, 401, 403) and not response.data.startswith(b"%PDF")


def test_approve_activates_the_organisation_and_texts_its_login_account(client, reviewer):
    case = register_foreign()
    account_no = case.organisation.account_no
    assert accounts.authenticate_organisation(account_no, "legal", PASSWORD).active is False
    response = decide(client, case.id, "approve")
    assert response.status_code == 302
    db.session.expire_all()
    case = db.session.get(ReviewCase, case.id)
    assert case.status == "approved" and case.decided_at is not None
    org = case.organisation
    assert org.user.status == "active" and org.user.active
    assert org.verified_by == "review" and org.verified_at is not None
    assert accounts.authenticate_organisation(account_no, "legal", PASSWORD).active
    [sms] = sms_to(CONTACT)
    assert account_no in sms["text"] and "审核通过" in sms["text"]
    entry = trailkit.only("admin.review_decided")
    assert entry.subject_id == org.user_id and entry.actor == f"admin:{reviewer}"
    assert trailkit.detail(entry)["decision"] == "approve"
    assert trailkit.detail(entry)["case"] == case.id


def test_reject_needs_a_reason_and_texts_it(client, reviewer):
    case = register_foreign()
    refused = decide(client, case.id, "reject", "  ")
    assert refused.status_code == 400 and "驳回须填写理由" in refused.get_data(as_text=True)
    assert sms_to(CONTACT) == []
    db.session.expire_all()
    assert db.session.get(ReviewCase, case.id).status == "pending"
    assert decide(client, case.id, "reject", "主体资格证明文件不清晰").status_code == 302
    db.session.expire_all()
    case = db.session.get(ReviewCase, case.id)
    assert case.status == "rejected" and case.reason == "主体资格证明文件不清晰"
    assert case.organisation.user.status == "rejected"
    [sms] = sms_to(CONTACT)
    assert "未通过审核" in sms["text"] and "主体资格证明文件不清晰" in sms["text"]


def test_a_decided_case_cannot_be_decided_again(client, reviewer):
    case = register_foreign()
    page = client.get(f"/admin/reviews/{case.id}")
    token = csrf(page)
    assert decide(client, case.id, "approve", token=token).status_code == 302
    again = decide(client, case.id, "reject", "重复", token=token)
    assert again.status_code == 409 and "该审核已处理" in again.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ReviewCase, case.id).status == "approved"
    first, second = trailkit.entries(trail_events.ADMIN_REVIEW_DECIDED)
    assert (first.result, second.result) == ("ok", "refused")
    assert trailkit.detail(second)["reason"] == "review.already_decided"
    assert len(sms_to(CONTACT)) == 1


def test_decide_requires_csrf(client, reviewer):
    case = register_foreign()
    response = client.post(f"/admin/reviews/{case.id}/decide", data={"decision": "approve"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(ReviewCase, case.id).status == "pending"


def test_decision_is_not_sent_when_the_request_rolls_back(app):
    case = register_foreign()
    reviews.approve(db.session.get(ReviewCase, case.id))
    transaction.rollback()
    assert sms_to(CONTACT) == []


@pytest.mark.skipif(
    os.environ.get("IDP_TEST_DATABASE", "sqlite") != "postgres",
    reason="SQLite cannot run concurrent writers; races are tested on PostgreSQL",
)
def test_two_reviewers_deciding_one_case_at_once_only_one_decision_counts(app):
    case_id = register_foreign().id
    db.session.remove()
    loaded = threading.Barrier(2, timeout=10)
    results: list = [None, None]

    def run(i, decide_case):
        with app.app_context():
            try:
                case = db.session.get(ReviewCase, case_id)
                assert case.status == "pending"
                loaded.wait()  # both reviewers saw the case pending
                decide_case(case)
                transaction.commit()
                results[i] = "decided"
            except Exception as exc:  # collected and asserted below
                results[i] = exc
                transaction.rollback()
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=run, args=(0, reviews.approve)),
        threading.Thread(target=run, args=(1, lambda c: reviews.reject(c, "资料不全"))),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(map(str, results)).count("decided") == 1, results
    [refusal] = [r for r in results if r != "decided"]
    assert isinstance(refusal, DomainError) and refusal.code == "review.already_decided"
    case = db.session.get(ReviewCase, case_id)
    user = db.session.get(User, case.user_id)
    won = "approved" if results[0] == "decided" else "rejected"
    assert case.status == won
    assert user.status == ("active" if won == "approved" else "rejected")
    assert len(sms_to(CONTACT)) == 1
