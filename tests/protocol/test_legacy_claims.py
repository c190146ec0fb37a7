"""L6, L7, R2: the ``trademark`` scope's ``legacy_account`` claim in the ID token and UserInfo.

OIDC Core §5.4 (claims only for the granted scope), §5.3 (UserInfo speaks of the ID token's
subject), OpenID Discovery §3 (``scopes_supported``, ``claims_supported``). A link exists only
after completion (supplementation or 旧账号管理), so an unlinked legacy account of the same
identity yields no claim (L7). A handler acting for an organisation also gets the
organisation's legacy account as ``acting_for.legacy_account`` (R2).
"""

from __future__ import annotations

import pytest

from idp.domain.legacy import link as legacy_link
from idp.domain.models import User
from idp.domain.organisations import handlers
from idp.domain.organisations import registration as organisations
from idp.extensions import db
from legacykit import make_legacy_account
from orgkit import file_agency, legal_kwargs, make_handler, resident_id, uscc
from support import Browser, decode_jwt, make_user, sign_in_at_entry

ANSWER = "2468"
SCOPE = "openid profile trademark"


@pytest.fixture
def settings_overrides():
    return {"captcha": {"deterministic": True, "deterministic_answer": ANSWER}}


def sign_in(browser, rp, identifier: str, scope: str = SCOPE, **entry) -> dict:
    return sign_in_at_entry(browser, rp, identifier, scope, ANSWER, **entry)


def claims_of(browser, tokens: dict) -> tuple[dict, dict]:
    info = browser.http.get(
        "/userinfo", headers={"Authorization": "Bearer " + tokens["access_token"]}
    )
    assert info.status_code == 200
    return decode_jwt(tokens["id_token"]), info.get_json()


def person(n: int = 1, phone: str = "13800138000") -> User:
    return make_user(phone=phone, id_type="resident_id", id_number=resident_id(n))


def test_l6_rp_gets_legacy_account_id(app, browser, rp):
    user = person()
    make_legacy_account("TM-Old-01", id_number=resident_id(1))
    legacy_link.link_existing(user, "TM-Old-01", "Legacy-pass-1")
    id_token, info = claims_of(browser, sign_in(browser, rp, user.phone))
    assert id_token["legacy_account"] == info["legacy_account"] == "TM-Old-01"


def test_l7_no_legacy_claim_before_completion(app, browser, rp):
    user = person()
    make_legacy_account("TM-Old-01", id_number=resident_id(1))  # same identity, not linked
    id_token, info = claims_of(browser, sign_in(browser, rp, user.phone))
    assert "legacy_account" not in id_token and "legacy_account" not in info


def test_legacy_claim_needs_the_trademark_scope(app, browser, rp):
    user = person()
    make_legacy_account("TM-Old-01", id_number=resident_id(1))
    legacy_link.link_existing(user, "TM-Old-01", "Legacy-pass-1")
    id_token, info = claims_of(browser, sign_in(browser, rp, user.phone, "openid profile"))
    assert "legacy_account" not in id_token and "legacy_account" not in info


def test_r2_handler_gets_the_organisations_legacy_account(app, browser, rp):
    code = uscc(7)
    org = organisations.register_legal_person(**legal_kwargs(code, name="甲科技有限公司"))
    handler = make_handler(1)
    handlers.bind_handler(org, handler)
    row = make_legacy_account(
        "ORG-OLD-7", kind="legal", name="甲科技有限公司", id_number=None, uscc=code
    )
    legacy_link.link(db.session.get(User, org.user_id), row)
    db.session.commit()
    tokens = sign_in(browser, rp, handler.phone, entry="legal", method="handler")
    for claims in claims_of(browser, tokens):
        assert claims["acting_for"]["legacy_account"] == "ORG-OLD-7"
        assert "legacy_account" not in claims  # the handler has no legacy account of their own


def test_discovery_lists_the_scope_and_the_claim(app, client):
    meta = client.get("/.well-known/openid-configuration").get_json()
    assert "trademark" in meta["scopes_supported"]
    assert "legacy_account" in meta["claims_supported"]


def test_y3_agency_sees_legacy_data_only_after_completion(app, browser, rp):
    """Y3 (L7): an agency registered here whose legacy account is not yet linked gets no
    legacy claim; once 旧账号管理 links it (the filed USCC matches), the claim appears."""
    code = uscc(8)
    file_agency(code, name="乙商标代理有限公司")
    organisations.register_agency(**legal_kwargs(code, name="乙商标代理有限公司"))
    make_legacy_account(
        "AG-OLD-8",
        kind="agency",
        name="乙商标代理有限公司",
        id_type=None,
        uscc=code,
        filed_uscc=code,
    )
    before = sign_in(browser, rp, code, entry="agency")
    assert all("legacy_account" not in claims for claims in claims_of(browser, before))
    agency = db.session.get(User, organisations.find_by_uscc(code, "agency").user_id)
    assert legacy_link.link_existing(agency, "AG-OLD-8", "Legacy-pass-1") is not None
    fresh = Browser(app)  # a new sign-in, as the agency's next visit
    after = sign_in(fresh, rp, code, entry="agency")
    assert all(claims["legacy_account"] == "AG-OLD-8" for claims in claims_of(fresh, after))
