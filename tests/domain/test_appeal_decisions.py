"""``legacy.appeal_decisions`` on the paths the admin pages do not reach (L10, P7): the domain's
own refusals leave the appeal pending and send nothing; a legacy account linked meanwhile is
refused by the one link function (L3) and the appeal stays undecided."""

from __future__ import annotations

import os

import pytest

from idp.domain import transaction
from idp.domain.errors import Conflict, DomainError, ValidationError
from idp.domain.legacy import appeal_decisions as decisions
from idp.domain.legacy import appeals
from idp.domain.legacy.link import L3_TAKEN, link
from idp.domain.models import LegacyAppeal
from idp.domain.organisations.registration import Upload
from idp.domain.ports import SendFailed
from idp.extensions import db
from idp.services import services
from legacykit import make_legacy_account
from orgkit import pdf_bytes, resident_id
from support import make_user

APPLICANT = "13700137000"
PERSON = resident_id(21)


@pytest.fixture
def settings_overrides(tmp_path):
    return {"files": {"upload_dir": str(tmp_path / "uploads"), "max_size": 64 * 1024}}


@pytest.fixture
def appeal(app):
    make_legacy_account("L0001", id_number=PERSON)
    opened = appeals.open_appeal(
        account="L0001",
        name="张三",
        phone=APPLICANT,
        email=None,
        content="我的历史账号无法通过验证，请人工核实。",
        identity_proof=Upload("id.pdf", pdf_bytes()),
        phone_verified=True,
    )
    db.session.commit()
    return opened


def sms_to(phone: str) -> list[dict]:
    return [m for m in services().sms.outbox.latest() if m["to"] == phone]


def pending(appeal_id: int) -> bool:
    db.session.expire_all()
    return db.session.get(LegacyAppeal, appeal_id).status == "pending"


def test_p7_a_rejection_without_reason_is_refused(appeal):
    with pytest.raises(ValidationError) as refused:
        decisions.reject(appeal, "   ")
    assert refused.value.code == decisions.REASON_MISSING
    transaction.commit()
    assert pending(appeal.id) and sms_to(APPLICANT) == []


def test_l10_a_correction_with_nothing_to_correct_is_refused(appeal):
    with pytest.raises(ValidationError) as refused:
        decisions.correct(appeal)
    assert refused.value.code == decisions.NOTHING_CORRECTED
    transaction.commit()
    assert pending(appeal.id) and sms_to(APPLICANT) == []


def test_l3_a_legacy_account_linked_meanwhile_leaves_the_appeal_pending(appeal):
    owner = make_user(id_type="resident_id", id_number=PERSON)
    other = make_user(phone="13600136011", id_type="resident_id", id_number=resident_id(22))
    link(owner, decisions.legacy_account(appeal))
    transaction.commit()
    with pytest.raises(Conflict) as refused:
        decisions.link_to(appeal, other.id, override=True)
    assert refused.value.code == L3_TAKEN
    transaction.commit()
    assert pending(appeal.id) and sms_to(APPLICANT) == []


def test_p7_a_decided_appeal_is_not_decided_again(appeal):
    decisions.reject(appeal, "证明材料不清晰")
    transaction.commit()
    with pytest.raises(DomainError) as refused:
        decisions.correct(appeal, name="李四")
    assert refused.value.code == decisions.ALREADY_DECIDED
    transaction.commit()
    assert len(sms_to(APPLICANT)) == 1
    assert decisions.legacy_account(appeal).name == "张三"


def test_p7_the_result_sms_is_not_sent_when_the_decision_rolls_back(appeal):
    decisions.reject(appeal, "证明材料不清晰")
    transaction.rollback()
    assert sms_to(APPLICANT) == []
    if os.environ.get("IDP_TEST_DATABASE", "sqlite") == "postgres":
        # pysqlite releases a savepoint opened outside a transaction as a commit (development
        # database only); PostgreSQL rolls the whole decision back
        assert pending(appeal.id)


def test_p7_a_failing_sms_gateway_leaves_the_decision_standing(appeal, monkeypatch, caplog):
    """The result SMS goes after commit (``verification.decision_sms``); a gateway failure then
    is logged and the decision stands: the office tells the applicant another way."""

    def refuse(*_args, **_kw):
        raise SendFailed("SMS gateway answered HTTP 500")

    monkeypatch.setattr(services().sms, "send_sms", refuse)
    decisions.reject(appeal, "证明材料不清晰")
    transaction.commit()
    db.session.expire_all()
    assert db.session.get(LegacyAppeal, appeal.id).status == "rejected"
    assert f"appeal {appeal.id}: decision SMS not sent" in caplog.text
