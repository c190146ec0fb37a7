"""R2: ``verified`` in the ID token and UserInfo is true for an organisation — its own sign-in,
and ``acting_for.verified`` of a handler acting for it — only after the enterprise credit
register matched it or the office approved its review (P7); never for what was only typed."""

from __future__ import annotations

import pytest

from enterprisekit import unverified_legal_person
from idp.domain.organisations import handlers
from idp.domain.organisations import registration as organisations
from orgkit import legal_kwargs, make_handler, uscc
from support import decode_jwt, sign_in_at_entry

ANSWER = "2468"


@pytest.fixture
def settings_overrides():
    return {"captcha": {"deterministic": True, "deterministic_answer": ANSWER}}


def claims_of(browser, rp, identifier: str, **entry) -> list[dict]:
    tokens = sign_in_at_entry(browser, rp, identifier, "openid profile", ANSWER, **entry)
    info = browser.http.get(
        "/userinfo", headers={"Authorization": "Bearer " + tokens["access_token"]}
    )
    return [decode_jwt(tokens["id_token"]), info.get_json()]


def test_r2_unverified_organisation_is_not_verified_in_claims(app, browser, rp):
    org = unverified_legal_person(**legal_kwargs(uscc(7), name="甲科技有限公司"))
    for claims in claims_of(browser, rp, uscc(7), entry="legal"):
        assert claims["sub"] == org.user.sub and claims["user_type"] == "legal"
        assert claims["verified"] is False


def test_r2_handler_acting_for_an_unverified_organisation_says_so(app, browser, rp):
    org = unverified_legal_person(**legal_kwargs(uscc(7), name="甲科技有限公司"))
    handler = make_handler(1)
    handlers.bind_handler(org, handler)
    for claims in claims_of(browser, rp, handler.phone, entry="legal", method="handler"):
        assert claims["verified"] is True  # the handler's own real-name state (S7)
        assert claims["acting_for"]["sub"] == org.user.sub
        assert claims["acting_for"]["verified"] is False


def test_r2_verified_organisation_is_verified_in_claims(app, browser, rp):
    organisations.register_legal_person(**legal_kwargs(uscc(7), name="甲科技有限公司"))
    for claims in claims_of(browser, rp, uscc(7), entry="legal"):
        assert claims["verified"] is True
