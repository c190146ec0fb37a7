"""旧账号管理 of an agency through the personal center's page (Y1, S2, L3, L5): the legacy
login's rule for agencies (``legacy_identity.agency_refusal``) decides the link too — the same
filed USCC in the legacy profile and on the register links; a legacy profile with another USCC
gets the filing-change explanation and the way to 人工申诉, and nothing is linked."""

from __future__ import annotations

import html as htmllib

import pytest

import orgkit
from idp.domain.legacy import identity as legacy_identity
from idp.domain.models import LegacyAccount
from idp.domain.organisations import registration as organisations
from idp.extensions import db
from legacykit import LEGACY_PASSWORD, make_legacy_account
from support import form_fields
from wordkit import said

ANSWER = "2468"
FILED, OTHER = orgkit.uscc(31), orgkit.uscc(32)
NAME = "戊商标代理有限公司"


@pytest.fixture
def settings_overrides():
    return {"captcha": {"deterministic": True, "deterministic_answer": ANSWER}}


def link_as_agency(app, legacy_uscc: str | None, password: str = LEGACY_PASSWORD) -> str:
    """The agency registered here with its filed USCC links the legacy agency AG-OLD, whose
    profile holds ``legacy_uscc``, on the 旧账号管理 page; the page's text."""
    orgkit.file_agency(FILED, NAME)
    organisations.register_agency(**orgkit.legal_kwargs(FILED, name=NAME))
    make_legacy_account(
        "AG-OLD", kind="agency", name=NAME, id_type=None, uscc=legacy_uscc, filed_uscc=FILED
    )
    http = orgkit.org_center(app, FILED, ANSWER, target="/account/legacy", entry="agency")
    action, hidden = form_fields(http.get("/account/legacy").get_data(as_text=True))
    response = http.post(action, data={**hidden, "account": "AG-OLD", "password": password})
    assert response.status_code == 200
    return htmllib.unescape(response.get_data(as_text=True))


def link_of_legacy_agency() -> int | None:
    db.session.expire_all()
    return db.session.query(LegacyAccount).filter_by(account="AG-OLD").one().user_id


def test_y1_personal_center_links_an_agency_whose_legacy_uscc_is_the_filed_one(app):
    assert "关联成功" in link_as_agency(app, FILED)
    assert link_of_legacy_agency() is not None


def test_y1_personal_center_refuses_an_agency_whose_filed_uscc_differs(app):
    page = link_as_agency(app, OTHER)
    assert said(legacy_identity.Y1_FILING_CHANGE) in page and 'href="/appeal"' in page
    assert link_of_legacy_agency() is None


def test_y1_personal_center_wrong_password_says_only_the_generic_failure(app):
    page = link_as_agency(app, OTHER, password="Wrong-legacy-1")
    assert said(legacy_identity.Y1_FILING_CHANGE) not in page
    assert link_of_legacy_agency() is None
