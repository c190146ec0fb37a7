"""No audit trail entry ever holds a secret, a password, a code, a token, a full ID number or
a full mobile or e-mail address (issue 12, "Audit"): one journey through many events, then
every stored row is searched for each such value."""

from __future__ import annotations

import pytest

from domain.test_legacy_races import application, completing
from idp.domain import trail, transaction
from idp.flows import account_events
from idp.services import services
from legacykit import LEGACY_PASSWORD
from supplementkit import EMAIL, ID_NUMBER, MOBILE, NEW_PASSWORD, natural_legacy
from support import PASSWORD, PHONE, Browser, make_relying_party
from trailkit import entries, serialised

WRONG = "Wrong-horse-1"


@pytest.fixture
def journey(app, user, clock) -> dict[str, str]:
    """Sign in and get tokens, a failed login, a code sent, a password change, a legacy
    supplementation; returns the values that must appear in no entry."""
    browser = Browser(app)
    rp = make_relying_party()
    callback = browser.sign_in(rp, scope="openid profile offline_access")
    issued = browser.exchange(rp, callback["code"]).get_json()
    stranger = Browser(app)
    stranger.submit(stranger.http.get("/login"), identifier=PHONE, password=WRONG)
    services().codes.send("sms", "13600136000", "register", "flow-9", "198.51.100.7")
    sms_code = services().sms.outbox.latest()[0]["params"]["code"]
    account_events.change_password(user, PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
    completing(natural_legacy().id, application())()
    transaction.commit()
    assert {e.event for e in entries()} >= {
        trail.LOGIN_SUCCEEDED,
        trail.LOGIN_FAILED,
        trail.CODE_SENT,
        trail.CONSENT_GRANTED,
        trail.PASSWORD_CHANGED,
        trail.TOKENS_REVOKED,
        trail.LEGACY_LINKED,
        trail.SUPPLEMENT_COMPLETED,
    }
    return {
        "password": PASSWORD,
        "wrong password": WRONG,
        "new password": NEW_PASSWORD,
        "legacy password": LEGACY_PASSWORD,
        "verification code": sms_code,
        "authorization code": callback["code"],
        "access token": issued["access_token"],
        "refresh token": issued["refresh_token"],
        "client secret": rp.secret,
        "full mobile": PHONE,
        "full mobile (code sent)": "13600136000",
        "full mobile (legacy)": MOBILE,
        "full ID number": ID_NUMBER,
        "full e-mail": EMAIL,
    }


@pytest.mark.parametrize(
    "kind",
    [
        "password",
        "wrong password",
        "new password",
        "legacy password",
        "verification code",
        "authorization code",
        "access token",
        "refresh token",
        "client secret",
        "full mobile",
        "full mobile (code sent)",
        "full mobile (legacy)",
        "full ID number",
        "full e-mail",
    ],
)
def test_no_secret_in_any_entry(journey, kind):
    secret = journey[kind]
    found = [serialised(e) for e in entries() if secret in serialised(e)]
    assert found == []


def test_record_refuses_a_detail_named_like_a_secret(app):
    for key in ("password", "code", "token", "id_number", "mobile", "email", "phone"):
        with pytest.raises(ValueError, match="may not hold"):
            trail.record(trail.CODE_SENT, **{key: "x"})
