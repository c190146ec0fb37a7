"""``idp demo seed`` makes one account per row of the login table (domain.md; G1, P3, Y1, Y2),
and each signs in through the login page with the credentials the command prints."""
from __future__ import annotations

import pytest

from idp import demo
from idp.domain import documents, handlers, organisations, registers
from idp.domain.models import AgencyFiling, HandlerBinding, User
from idp.extensions import db
from support import Browser

ANSWER = "2468"


@pytest.fixture
def settings_overrides():
    return {"captcha": {"deterministic": True, "deterministic_answer": ANSWER}}


def sign_in(app, entry: str, method: str | None, identifier: str) -> Browser:
    browser = Browser(app)
    args = {"entry": entry, **({"method": method} if method else {})}
    form = browser.http.get("/login", query_string=args)
    answer = browser.submit(form, identifier=identifier, password=demo.PASSWORD, captcha=ANSWER)
    assert answer.status_code == 302 and answer.location == "/account", answer.get_data(
        as_text=True)
    return browser


def test_y1_demo_usccs_are_valid():
    for spec in (demo.DEMO_LEGAL, demo.DEMO_AGENCY):
        assert documents.validate_uscc(spec["uscc"]) == spec["uscc"]


def test_g1_demo_seed_every_login_row_signs_in(app):
    created = demo.seed()
    assert any("北京示例科技有限公司" in line for line in created)
    assert any("handler 王五 bound" in line for line in created)
    sign_in(app, "personal", None, demo.DEMO_USER["phone"])
    sign_in(app, "legal", None, demo.DEMO_LEGAL["uscc"])
    sign_in(app, "agency", None, demo.DEMO_AGENCY["uscc"])
    sign_in(app, "legal", "handler", demo.DEMO_HANDLERS[0]["phone"])  # 李四 for the company
    sign_in(app, "agency", "handler", demo.DEMO_HANDLERS[1]["phone"])  # 王五 for the agency
    lines = demo.credentials()
    assert all(demo.PASSWORD in line for line in lines) and len(lines) == 7


def test_y2_demo_agency_handler_is_a_filed_practitioner(app):
    demo.seed()
    assert registers.filing_for(registers.uscc_index(demo.DEMO_AGENCY["uscc"])) is not None
    wangwu = db.session.scalar(db.select(User).where(User.phone == "13800138002"))
    assert registers.practitioner_for(wangwu.id_number_bidx) is not None
    [binding] = handlers.organisations_for_handler(wangwu, kind="agency")
    assert binding.for_agency and binding.organisation.name == demo.DEMO_AGENCY["name"]


def test_demo_seed_twice_creates_nothing_more(app):
    assert demo.seed()
    counts = [db.session.scalar(db.select(db.func.count()).select_from(m))
              for m in (User, HandlerBinding, AgencyFiling)]
    assert demo.seed() == []
    assert [db.session.scalar(db.select(db.func.count()).select_from(m))
            for m in (User, HandlerBinding, AgencyFiling)] == counts
    assert organisations.find_by_uscc(demo.DEMO_LEGAL["uscc"], "legal") is not None
