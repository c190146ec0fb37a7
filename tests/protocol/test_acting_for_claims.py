"""R2: what the ID token and UserInfo say about organisations and handlers.

OIDC Core §5.1/§5.3 (UserInfo returns the claims of the ID token's subject), §5.4 (claims only
for the granted scope: ``user_type``, ``verified``, ``organisation`` and ``acting_for`` belong to
``profile``), §12.2 (a refreshed ID token describes the same authentication), OpenID Discovery
§3 (``claims_supported``). The organisation a handler signed in for is stored on the tokens
(``tokens.acting_for_id``), so it survives refresh and reaches UserInfo. USCCs are masked (D5).
"""

from __future__ import annotations

import re

import pytest

from idp.domain.models import Token
from idp.domain.organisations import handlers
from idp.domain.organisations import registration as organisations
from idp.extensions import db
from orgkit import legal_kwargs, make_handler, uscc
from support import Browser, decode_jwt, make_user, sign_in_at_entry

ANSWER = "2468"
OFFLINE = "openid profile offline_access"
ORG_CLAIMS = {"user_type", "verified", "organisation", "acting_for"}


@pytest.fixture
def settings_overrides():
    return {"captcha": {"deterministic": True, "deterministic_answer": ANSWER}}


@pytest.fixture
def org(app):
    return organisations.register_legal_person(**legal_kwargs(uscc(7), name="甲科技有限公司"))


@pytest.fixture
def handler(org):
    person = make_handler(1)
    handlers.bind_handler(org, person)
    return person


def bearer(token: str) -> dict:
    return {"Authorization": "Bearer " + token}


def sign_in(browser, rp, identifier: str, scope: str = "openid profile", **entry) -> dict:
    return sign_in_at_entry(browser, rp, identifier, scope, ANSWER, **entry)


def as_handler(browser, rp, handler, scope="openid profile") -> dict:
    return sign_in(browser, rp, handler.phone, scope, entry="legal", method="handler")


def userinfo(browser, access_token: str) -> dict:
    response = browser.http.get("/userinfo", headers=bearer(access_token))
    assert response.status_code == 200
    return response.get_json()


def refresh(browser, rp, refresh_token: str) -> dict:
    response = browser.token(rp, grant_type="refresh_token", refresh_token=refresh_token)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def assert_acts_for(claims: dict, handler, org) -> None:
    assert claims["sub"] == handler.sub and claims["user_type"] == "natural"
    assert claims["verified"] is True  # the handler's own real-name state (S7)
    assert claims["acting_for"] == {"sub": org.user.sub, "name": "甲科技有限公司", "verified": True}
    assert claims["organisation"] == {
        "name": "甲科技有限公司",
        "type": "legal",
        "uscc": org.uscc_masked,
    }


def test_r2_handler_acting_for_in_id_token_and_userinfo(browser, rp, org, handler):
    tokens = as_handler(browser, rp, handler)
    assert_acts_for(decode_jwt(tokens["id_token"]), handler, org)
    assert_acts_for(userinfo(browser, tokens["access_token"]), handler, org)
    row = db.session.scalar(db.select(Token).where(Token.user_id == handler.id))
    assert row.acting_for_id == org.user_id


def test_r2_acting_for_survives_refresh(browser, rp, org, handler):
    tokens = as_handler(browser, rp, handler, scope=OFFLINE)
    first = decode_jwt(tokens["id_token"])
    for _ in range(2):  # through two rotations
        tokens = refresh(browser, rp, tokens["refresh_token"])
        claims = decode_jwt(tokens["id_token"])
        assert_acts_for(claims, handler, org)
        assert claims["auth_time"] == first["auth_time"] and "nonce" not in claims
        assert_acts_for(userinfo(browser, tokens["access_token"]), handler, org)


def test_r2_organisation_claim_for_organisation_sign_in(browser, rp, org):
    tokens = sign_in(browser, rp, uscc(7), scope=OFFLINE, entry="legal")
    refreshed = refresh(browser, rp, tokens["refresh_token"])
    for claims in (
        decode_jwt(tokens["id_token"]),
        userinfo(browser, tokens["access_token"]),
        decode_jwt(refreshed["id_token"]),
    ):
        assert claims["sub"] == org.user.sub and claims["user_type"] == "legal"
        assert claims["name"] == "甲科技有限公司" and claims["verified"] is True
        assert claims["organisation"] == {
            "name": "甲科技有限公司",
            "type": "legal",
            "uscc": org.uscc_masked,
        }
        assert "acting_for" not in claims


def test_r2_natural_person_has_no_organisation_claim(app, browser, rp, handler):
    # a handler signing in through the personal entry is just a natural person
    tokens = sign_in(browser, rp, handler.phone)
    for claims in (decode_jwt(tokens["id_token"]), userinfo(browser, tokens["access_token"])):
        assert claims["sub"] == handler.sub and claims["user_type"] == "natural"
        assert claims["verified"] is True
        assert "organisation" not in claims and "acting_for" not in claims
    # verified follows the person's real-name state (S7)
    person = make_user(phone="13800138111", name="李四")
    other = Browser(app)
    claims = decode_jwt(sign_in(other, rp, "13800138111")["id_token"])
    assert claims["sub"] == person.sub and claims["verified"] is False
    assert "organisation" not in claims and "acting_for" not in claims


def test_r2_claims_need_profile_scope(browser, rp, org, handler):
    tokens = as_handler(browser, rp, handler, scope="openid")
    for claims in (decode_jwt(tokens["id_token"]), userinfo(browser, tokens["access_token"])):
        assert claims["sub"] == handler.sub
        assert not ORG_CLAIMS & claims.keys() and "name" not in claims
    metadata = browser.http.get("/.well-known/openid-configuration").get_json()
    assert ORG_CLAIMS <= set(metadata["claims_supported"])
    assert "profile" in metadata["scopes_supported"]


def test_r2_uscc_masked_in_claims(app, browser, rp, org, handler):
    full = uscc(7)
    assert re.fullmatch(r"\d{4}\*{10}[0-9A-Z]{4}", org.uscc_masked)
    assert org.uscc_masked[:4] == full[:4] and org.uscc_masked[-4:] == full[-4:]
    as_org = sign_in(Browser(app), rp, full, entry="legal")
    tokens = as_handler(browser, rp, handler)
    for issued, who in ((as_org, Browser(app)), (tokens, browser)):
        claims = decode_jwt(issued["id_token"])
        body = who.http.get("/userinfo", headers=bearer(issued["access_token"]))
        assert claims["organisation"]["uscc"] == org.uscc_masked
        assert full not in str(claims) and full not in body.get_data(as_text=True)
