"""The appeals queue in the admin area (人工申诉, L10/P7; role reviewer): the queue with counts and
age, the case page with masked personal data, the appeal's PDFs served only as attachments of
their own appeal, the three decisions through ``legacy.appeal_decisions`` (reject with a reason,
link through the one link function with S2 kept unless explicitly overridden, correct through
the importer's own validation), the result SMS after commit, one decision per appeal (also under
concurrency, on PostgreSQL) and the ``admin.appeal_decided`` audit entry."""

from __future__ import annotations

import datetime as dt
import os
import threading

import pytest

import trailkit
from adminkit import csrf, login, make_admin
from idp.domain import transaction
from idp.domain.errors import DomainError
from idp.domain.legacy import appeal_decisions as decisions
from idp.domain.legacy import appeals
from idp.domain.models import LegacyAccount, LegacyAppeal
from idp.domain.organisations.registration import Upload
from idp.domain.registers.lookup import ID_INDEX
from idp.domain.trail import events as trail_events
from idp.extensions import db
from idp.services import services
from legacykit import make_legacy_account
from orgkit import pdf_bytes, resident_id, uscc
from support import make_user

APPLICANT = "13700137000"
PERSON = resident_id(7)
CONTENT = "我的历史账号无法通过验证，请人工核实。"


@pytest.fixture
def settings_overrides(tmp_path):
    return {"files": {"upload_dir": str(tmp_path / "uploads"), "max_size": 64 * 1024}}


def open_appeal(account: str = "L0001", phone: str = APPLICANT, other: bool = True):
    appeal = appeals.open_appeal(
        account=account,
        name="张三",
        phone=phone,
        email="zhangsan@example.com",
        content=CONTENT,
        identity_proof=Upload("身份证.pdf", pdf_bytes()),
        other_proof=Upload("other.pdf", pdf_bytes(2)) if other else None,
        phone_verified=True,
    )
    db.session.commit()
    return appeal


@pytest.fixture
def reviewer(app, client):
    admin_id, secret = make_admin("reviewer1", "reviewer")
    login(client, "reviewer1", secret)
    return admin_id


def sms_to(phone: str) -> list[dict]:
    return [m for m in services().sms.outbox.latest() if m["to"] == phone]


def post(http, appeal_id: int, action: str, **data):
    page = http.get(f"/admin/appeals/{appeal_id}")
    return http.post(
        f"/admin/appeals/{appeal_id}/{action}", data={"csrf_token": csrf(page), **data}
    )


def test_p7_queue_lists_pending_appeals_oldest_first_with_counts_and_age(client, reviewer):
    make_legacy_account("L0001", id_number=PERSON)
    first = open_appeal("L0001", "13700137001")
    second = open_appeal("L9999", "13700137002")
    now = dt.datetime.fromtimestamp(services().now(), dt.UTC)
    first.created_at = now - dt.timedelta(days=3, hours=1)
    second.created_at = now - dt.timedelta(days=1, hours=1)
    db.session.commit()
    html = client.get("/admin/appeals").get_data(as_text=True)
    assert "待处理 2 件" in html
    assert html.index(first.case_number) < html.index(second.case_number)
    assert "3 天" in html and "1 天" in html
    assert "L9999（不存在）" in html
    post(client, first.id, "reject", reason="材料不清晰")
    pending = client.get("/admin/appeals").get_data(as_text=True)
    assert first.case_number not in pending and "待处理 1 件" in pending
    rejected = client.get("/admin/appeals?status=rejected").get_data(as_text=True)
    assert first.case_number in rejected and second.case_number not in rejected
    assert "已驳回 1 件" in rejected


def test_case_page_masks_phone_email_and_the_legacy_id_number(client, reviewer):
    make_legacy_account("L0001", id_number=PERSON, mobile="13600136000")
    appeal = open_appeal()
    html = client.get(f"/admin/appeals/{appeal.id}").get_data(as_text=True)
    assert APPLICANT not in html and "137****7000" in html
    assert "zhangsan@example.com" not in html and "@example.com" in html
    assert PERSON not in html and PERSON[-4:] not in html[: html.index("L0001")]
    assert "13600136000" not in html
    assert f"/admin/appeals/{appeal.id}/reveal" in html
    assert f'action="/admin/appeals/{appeal.id}/link"' in html


def test_pdfs_are_attachments_nosniff_no_store_and_only_of_their_own_appeal(client, reviewer):
    appeal = open_appeal()
    other = open_appeal(phone="13700137009")
    response = client.get(f"/admin/appeals/{appeal.id}/files/{appeal.identity_proof_id}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.data.startswith(b"%PDF")
    foreign = client.get(f"/admin/appeals/{appeal.id}/files/{other.identity_proof_id}")
    assert foreign.status_code == 404


def test_p7_reject_needs_a_reason_and_sends_it_by_sms_after_commit(client, reviewer):
    appeal = open_appeal()
    refused = post(client, appeal.id, "reject", reason="  ")
    assert refused.status_code == 400 and sms_to(APPLICANT) == []
    assert db.session.get(LegacyAppeal, appeal.id).status == "pending"
    done = post(client, appeal.id, "reject", reason="证明材料不清晰")
    assert done.status_code == 302
    db.session.expire_all()
    decided = db.session.get(LegacyAppeal, appeal.id)
    assert (decided.status, decided.outcome, decided.reason) == (
        "rejected",
        "rejected",
        "证明材料不清晰",
    )
    assert decided.decided_by == reviewer
    (sms,) = sms_to(APPLICANT)
    assert appeal.case_number in sms["text"] and "证明材料不清晰" in sms["text"]
    entry = trailkit.only(trail_events.ADMIN_APPEAL_DECIDED)
    assert trailkit.detail(entry)["outcome"] == "rejected"
    assert entry.actor == f"admin:{reviewer}"


def test_l10_an_unknown_legacy_account_can_only_be_rejected(client, reviewer):
    user = make_user()
    appeal = open_appeal("L-UNKNOWN")
    html = client.get(f"/admin/appeals/{appeal.id}").get_data(as_text=True)
    assert "只能驳回" in html and f"/admin/appeals/{appeal.id}/link" not in html
    refused = post(client, appeal.id, "link", user_id=str(user.id))
    assert refused.status_code == 400 and "只能驳回" in refused.get_data(as_text=True)
    refused = post(client, appeal.id, "correct", name="李四")
    assert refused.status_code == 400
    db.session.expire_all()
    assert db.session.get(LegacyAppeal, appeal.id).status == "pending"
    assert post(client, appeal.id, "reject", reason="历史账号不存在").status_code == 302


def test_s2_link_of_the_same_person_goes_through_the_one_link_function(client, reviewer):
    account = make_legacy_account("L0001", id_number=PERSON)
    user = make_user(id_type="resident_id", id_number=PERSON)
    appeal = open_appeal()
    done = post(client, appeal.id, "link", user_id=str(user.id))
    assert done.status_code == 302, done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(LegacyAccount, account.id).user_id == user.id
    decided = db.session.get(LegacyAppeal, appeal.id)
    assert (decided.outcome, decided.linked_user_id, decided.overrode) == ("linked", user.id, False)
    assert len(trailkit.entries("legacy.linked")) == 1  # written by link.link
    assert trailkit.detail(trailkit.only(trail_events.ADMIN_APPEAL_DECIDED))["overrode"] is False
    assert len(sms_to(APPLICANT)) == 1


def test_s2_mismatch_is_refused_without_the_override_checkbox(client, reviewer):
    account = make_legacy_account("L0001", id_number=PERSON)
    stranger = make_user(name="李四", id_type="resident_id", id_number=resident_id(8))
    appeal = open_appeal()
    refused = post(client, appeal.id, "link", user_id=str(stranger.id))
    assert refused.status_code == 400
    assert "身份比对不一致" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(LegacyAccount, account.id).user_id is None
    assert db.session.get(LegacyAppeal, appeal.id).status == "pending"
    assert sms_to(APPLICANT) == []
    refusal = trailkit.only(trail_events.ADMIN_APPEAL_DECIDED)
    assert refusal.result == "refused"
    assert trailkit.detail(refusal)["reason"] == decisions.PERSON_MISMATCH


def test_s2_override_links_and_is_recorded_on_the_appeal_and_in_the_audit(client, reviewer):
    account = make_legacy_account("L0001", id_number=PERSON)
    stranger = make_user(name="李四", id_type="resident_id", id_number=resident_id(8))
    appeal = open_appeal()
    done = post(client, appeal.id, "link", user_id=str(stranger.id), override="y")
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(LegacyAccount, account.id).user_id == stranger.id
    assert db.session.get(LegacyAppeal, appeal.id).overrode is True
    detail = trailkit.detail(trailkit.only(trail_events.ADMIN_APPEAL_DECIDED))
    assert detail["overrode"] is True and detail["outcome"] == "linked"


def test_s2_override_never_links_a_legal_persons_legacy_account_to_a_natural_person(
    client, reviewer
):
    account = make_legacy_account("L0002", kind="legal", name="某公司", id_number=None)
    person = make_user(id_type="resident_id", id_number=PERSON)
    appeal = open_appeal("L0002")
    refused = post(client, appeal.id, "link", user_id=str(person.id), override="y")
    assert refused.status_code == 400
    db.session.expire_all()
    assert db.session.get(LegacyAccount, account.id).user_id is None
    assert db.session.get(LegacyAppeal, appeal.id).status == "pending"
    assert sms_to(APPLICANT) == []
    refusal = trailkit.only(trail_events.ADMIN_APPEAL_DECIDED)
    assert refusal.result == "refused"
    assert trailkit.detail(refusal)["reason"] == "legacy.wrong_kind"


def test_link_to_an_unknown_user_number_is_refused(client, reviewer):
    make_legacy_account("L0001", id_number=PERSON)
    appeal = open_appeal()
    refused = post(client, appeal.id, "link", user_id="999999")
    assert refused.status_code == 400 and "没有这个用户编号" in refused.get_data(as_text=True)


def test_l10_correct_the_legacy_record_through_the_importers_validation(client, reviewer):
    account = make_legacy_account("L0001", name="张叁", id_number=resident_id(9))
    appeal = open_appeal()
    refused = post(client, appeal.id, "correct", id_type="resident_id", id_number="110105")
    assert refused.status_code == 400 and "未通过校验" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(LegacyAppeal, appeal.id).status == "pending"
    done = post(client, appeal.id, "correct", name="张三", id_type="resident_id", id_number=PERSON)
    assert done.status_code == 302
    db.session.expire_all()
    corrected = db.session.get(LegacyAccount, account.id)
    assert corrected.name == "张三"
    assert corrected.id_number_bidx == services().blind_index(PERSON, ID_INDEX)
    assert corrected.id_number_masked.endswith(PERSON[-4:])
    assert corrected.user_id is None  # nothing linked, nothing verified: the applicant signs in
    decided = db.session.get(LegacyAppeal, appeal.id)
    assert decided.outcome == "corrected" and decided.corrected == ["name", "id_number"]
    refusal, decision = trailkit.entries(trail_events.ADMIN_APPEAL_DECIDED)
    assert refusal.result == "refused" and decision.result == "ok"
    assert trailkit.detail(decision)["corrected"] == "name,id_number"
    assert PERSON not in trailkit.serialised(decision)
    assert len(sms_to(APPLICANT)) == 1
    page = client.get(f"/admin/appeals/{appeal.id}").get_data(as_text=True)
    assert "更正历史账号信息：姓名或名称、证件号码" in page and PERSON not in page


def test_correcting_a_uscc_refuses_an_invalid_code(client, reviewer):
    account = make_legacy_account("L0002", kind="legal", name="某公司", id_number=None)
    appeal = open_appeal("L0002")
    refused = post(client, appeal.id, "correct", uscc="91110000000000000X")
    assert refused.status_code == 400
    done = post(client, appeal.id, "correct", uscc=uscc(3))
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(LegacyAccount, account.id).uscc_masked is not None


def test_p7_a_second_decision_is_told_already_decided(client, reviewer):
    appeal = open_appeal()
    page = client.get(f"/admin/appeals/{appeal.id}")
    token = csrf(page)
    url = f"/admin/appeals/{appeal.id}/reject"
    assert client.post(url, data={"csrf_token": token, "reason": "一"}).status_code == 302
    again = client.post(url, data={"csrf_token": token, "reason": "二"})
    assert again.status_code == 409 and "该申诉已处理" in again.get_data(as_text=True)
    assert len(sms_to(APPLICANT)) == 1
    first, second = trailkit.entries(trail_events.ADMIN_APPEAL_DECIDED)
    assert (first.result, second.result) == ("ok", "refused")
    assert trailkit.detail(second)["reason"] == decisions.ALREADY_DECIDED


@pytest.mark.parametrize("role", ["system", "auditor"])
def test_other_roles_are_refused(app, role):
    appeal = open_appeal()
    http = app.test_client()
    _, secret = make_admin(f"{role}1", role)
    login(http, f"{role}1", secret)
    for url in (
        "/admin/appeals",
        f"/admin/appeals/{appeal.id}",
        f"/admin/appeals/{appeal.id}/files/{appeal.identity_proof_id}",
    ):
        assert http.get(url).status_code == 403
    assert 'href="/admin/appeals"' not in http.get("/admin/").get_data(as_text=True)


def test_reviewer_home_links_the_queue(client, reviewer):
    html = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/appeals"' in html and "即将提供" not in html


@pytest.mark.skipif(
    os.environ.get("IDP_TEST_DATABASE", "sqlite") != "postgres",
    reason="SQLite cannot run concurrent writers; races are tested on PostgreSQL",
)
def test_p7_of_concurrent_decisions_exactly_one_counts(app):
    account = make_legacy_account("L0001", id_number=PERSON)
    user = make_user(id_type="resident_id", id_number=PERSON)
    appeal_id = open_appeal().id
    admin_id, _ = make_admin("reviewer1", "reviewer")
    start = threading.Barrier(3, timeout=10)
    results: list = []

    def decide(kind: str):
        with app.app_context():
            try:
                appeal = db.session.get(LegacyAppeal, appeal_id)
                start.wait()
                if kind == "link":
                    decisions.link_to(appeal, user.id, admin_id=admin_id)
                else:
                    decisions.reject(appeal, f"理由 {kind}", admin_id=admin_id)
                transaction.commit()
                results.append("ok")
            except DomainError as exc:
                results.append(exc.code)
            except Exception as exc:  # asserted below
                results.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=decide, args=(k,)) for k in ("link", "a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == sorted(["ok", decisions.ALREADY_DECIDED, decisions.ALREADY_DECIDED])
    db.session.expire_all()
    decided = db.session.get(LegacyAppeal, appeal_id)
    linked = db.session.get(LegacyAccount, account.id).user_id
    assert (linked == user.id) == (decided.outcome == "linked")
    assert len(sms_to(APPLICANT)) == 1
