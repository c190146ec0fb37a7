"""Enterprise verification on the pages (R2, S4, S6): registration (法人信息验证) and legacy
supplementation refuse a record the enterprise credit register does not match, next to the
USCC, and an unavailable register with its own message; either way nothing is written. A
squatted USCC (an unverified account) does not block the real organisation."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from test_org_registration import USCC, csrf, error_of, org_data, step1

import orgkit
from enterprisekit import register_down, register_knows, unverified_legal_person
from idp.domain.models import LegacyAccount, Organisation, User
from idp.domain.organisations import registration as organisations
from idp.domain.organisations.enterprise import MISMATCH
from idp.extensions import db
from orgsupplementkit import CAPTCHA, LEGAL_NAME, legal_legacy, org_login, submit
from orgsupplementkit import org_data as supplement_data
from wordkit import said

UNAVAILABLE = "企业信息核验服务暂时无法使用，请稍后再试。"
REAL = ("示例科技有限公司", "王五", orgkit.resident_id(500))


@pytest.fixture
def settings_overrides():
    return CAPTCHA


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_enterprise_mismatch_refuses_registration_next_to_the_uscc(app, client):
    register_knows((USCC, *REAL))
    page = step1(client, "legal", org_data(rep_name="钱七"))
    assert page.status_code == 200 and error_of(page, "uscc") == said(MISMATCH)
    assert 'value="钱七"' in page.get_data(as_text=True)  # what was typed stays
    assert count(Organisation) == 0 and count(User) == 0


def test_enterprise_unavailable_refuses_registration_and_writes_nothing(app, client):
    register_down()
    page = step1(client, "legal", org_data())
    assert page.status_code == 200 and UNAVAILABLE in page.get_data(as_text=True)
    assert count(Organisation) == 0 and count(User) == 0


def test_enterprise_mismatch_refuses_agency_registration(app, client):
    orgkit.file_agency(USCC)
    register_knows()
    client.post("/register/org/agency/notice", data={"csrf_token": csrf(client, "/register")})
    page = step1(client, "agency", org_data())
    assert error_of(page, "uscc") == said(MISMATCH) and count(Organisation) == 0


def test_squatted_uscc_does_not_block_the_real_organisation_on_the_page(app, client):
    squatter = unverified_legal_person(
        **orgkit.legal_kwargs(USCC, name="冒名公司", contact=orgkit.contact("13900139009"))
    )
    register_knows((USCC, *REAL))
    page = step1(client, "legal", org_data())
    assert page.status_code == 302 and page.location.endswith("/register/org/handler")
    assert organisations.find_by_uscc(USCC).name == "示例科技有限公司"
    db.session.expire_all()
    assert db.session.get(Organisation, squatter.id).user.status == "pending_review"


def started(http) -> str:
    response = org_login(http, orgkit.uscc(7), "legal")
    assert response.status_code == 302 and response.location.startswith("/supplement/")
    return response.location


def test_enterprise_mismatch_refuses_supplementation(app, client):
    legal_legacy()
    register_knows((orgkit.uscc(7), LEGAL_NAME, "王五", orgkit.resident_id(500)))
    page_url = started(client)
    page = submit(client, page_url, supplement_data(rep_name="钱七"))
    assert page.status_code == 200 and error_of(page, "uscc") == said(MISMATCH)
    assert count(Organisation) == 0
    db.session.expire_all()
    assert db.session.scalar(select(LegacyAccount)).user_id is None


def test_enterprise_unavailable_refuses_supplementation(app, client):
    legal_legacy()
    page_url = started(client)
    register_down()
    page = submit(client, page_url, supplement_data())
    assert page.status_code == 200 and UNAVAILABLE in page.get_data(as_text=True)
    assert count(Organisation) == 0
    db.session.expire_all()
    assert db.session.scalar(select(LegacyAccount)).user_id is None


def test_squatted_uscc_does_not_block_the_legacy_organisations_supplementation(app, client):
    squatter = unverified_legal_person(
        **orgkit.legal_kwargs(
            orgkit.uscc(7), name="冒名公司", contact=orgkit.contact("13900139009")
        )
    )
    legal_legacy()
    page_url = started(client)
    page = submit(client, page_url, supplement_data())
    assert page.status_code == 302 and page.location == f"{page_url}/handler"
    db.session.expire_all()
    org = organisations.find_by_uscc(orgkit.uscc(7))
    assert org.name == LEGAL_NAME and org.verified_by == "register"
    assert db.session.scalar(select(LegacyAccount)).user_id == org.user_id
    assert db.session.get(Organisation, squatter.id).user.status == "pending_review"
