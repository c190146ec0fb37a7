"""The natural person's supplementation page (S2, S3, S7, S8, P4, L3) reached from the personal
center's login page (no pending sign-in): prefilled, codes by the outbox adapters, real-name
verification by the local verifier, account and link in one commit, nothing created twice."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from idp.domain.accounts import registration
from idp.domain.accounts import users as accounts
from idp.domain.legacy import link as legacy_link
from idp.domain.legacy import login as legacy
from idp.domain.models import LegacyAccount, User
from idp.domain.models._types import from_timestamp
from idp.domain.models.user import DEACTIVATED
from idp.extensions import db
from idp.flows import supplement as flow_store
from idp.services import services
from legacykit import LEGACY_PASSWORD
from supplementkit import (
    EMAIL,
    ID_NUMBER,
    MOBILE,
    NEW_PASSWORD,
    completion,
    csrf,
    legacy_login,
    natural_legacy,
    send,
    submit,
)
from support import known_identities
from wordkit import said

S3_TEXT = "通过个人中心的旧账号管理功能进行关联"


@pytest.fixture
def settings_overrides(request, tmp_path):
    """``indirect`` parametrisation: a list of (name, id_type, number) the verifier knows."""
    return known_identities(tmp_path, getattr(request, "param", None))


@pytest.fixture
def started(app, client):
    """A natural-person legacy account and the URL of its supplementation page."""
    natural_legacy()
    response = legacy_login(client)
    assert response.status_code == 302
    return response.location


def count_users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def the_account() -> LegacyAccount:
    db.session.expire_all()
    return db.session.scalar(select(LegacyAccount))


def test_s2_creates_the_realname_account_and_the_link_in_one_transaction(client, started):
    done = submit(client, started, completion())
    assert done.status_code == 302 and done.location == "/supplement/done"
    user = db.session.scalar(select(User))
    assert user.realname_verified and user.phone == MOBILE and user.email == EMAIL
    assert user.phone_verified and user.email_verified and user.agreement_accepted_at
    assert user.id_number_bidx == accounts.id_number_index(ID_NUMBER)
    account = the_account()
    assert account.user_id == user.id and account.linked_at is not None
    # L6: from now on both credentials reach this user
    assert accounts.authenticate(MOBILE, NEW_PASSWORD).id == user.id


def test_s8_without_pending_request_ends_with_the_identifiers_and_the_login(client, started):
    done = submit(client, started, completion())
    html = client.get(done.location).get_data(as_text=True)
    assert "信息补录已完成" in html and "139****9000" in html
    assert "1101**********0032" in html and "L0001" in html and "今后可在“自然人”入口" in html
    assert 'href="/login"' in html and "/interaction/" not in html
    assert client.get("/account").status_code == 302  # not silently signed in
    assert "信息补录已完成" not in client.get("/login").get_data(as_text=True)
    # the identifiers work: the legacy account signs in the new user (L6)
    assert legacy_login(client).location.endswith("/account")
    assert client.get("/account").status_code == 200


def test_s2_each_refusal_keeps_the_typed_data(client, started, clock):
    page = submit(client, started, completion(postal_code="12", street="胜利街 9 号"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "邮政编码" in html and 'class="error"' in html
    assert "胜利街 9 号" in html and 'value="12"' in html
    again = client.get(started).get_data(as_text=True)  # a refresh shows what was typed
    assert "胜利街 9 号" in again and NEW_PASSWORD not in again
    assert count_users() == 0 and the_account().user_id is None
    clock.advance(120)  # the resend gap of the codes
    done = submit(client, started, completion(street="胜利街 9 号"))
    assert done.status_code == 302
    assert db.session.scalar(select(User)).address["street_address"].startswith("胜利街")


@pytest.mark.parametrize(
    "existing",
    [dict(phone=MOBILE), dict(phone="13700137000", id_type="resident_id", id_number=ID_NUMBER)],
)
def test_s3_existing_mobile_or_id_creates_nothing(client, started, existing):
    accounts.create_natural_person(name="李四", password=NEW_PASSWORD, **existing)
    html = submit(client, started, completion()).get_data(as_text=True)
    assert "用户已经存在" in html and S3_TEXT in html
    assert "手机号已验证" in html and "邮箱已验证" in html  # proven codes stay proven
    assert count_users() == 1 and the_account().user_id is None


def test_p4_deactivated_identity_cannot_supplement(client, started, clock):
    old = accounts.create_natural_person(
        name="李四",
        phone="13700137000",
        password=NEW_PASSWORD,
        id_type="resident_id",
        id_number=ID_NUMBER,
    )
    old.status, old.deactivated_at = DEACTIVATED, from_timestamp(clock.now())
    db.session.commit()
    html = submit(client, started, completion()).get_data(as_text=True)
    assert said(registration.P4_MESSAGE) in html
    assert count_users() == 1 and the_account().user_id is None


def test_s7_codes_are_required(client, started):
    html = submit(client, started, completion(), codes=False).get_data(as_text=True)
    assert "请填写短信验证码" in html and "请填写邮件验证码" in html
    wrong = submit(client, started, completion(), sms_code="000000", email_code="000000")
    assert "验证码" in wrong.get_data(as_text=True) and count_users() == 0


def test_s7_codes_are_bound_to_the_supplementation(client, started):
    """A code sent for registration proves nothing here (another purpose and flow)."""
    client.post("/register/codes/sms", data={**completion(), "csrf_token": _csrf(client)})
    code = services().sms.outbox.latest()[0]["params"]["code"]
    email_code = send(client, started, "mail", completion())
    html = submit(
        client, started, completion(), codes=False, sms_code=code, email_code=email_code
    ).get_data(as_text=True)
    assert "验证码" in html and count_users() == 0


def _csrf(client):
    from support import form_fields

    return form_fields(client.get("/register/person").get_data(as_text=True))[1]["csrf_token"]


@pytest.mark.parametrize(
    "settings_overrides", [[("王五", "resident_id", ID_NUMBER)]], indirect=True
)
def test_s7_realname_verification_is_required(client, started):
    html = submit(client, started, completion()).get_data(as_text=True)
    assert "实名" in html or "不一致" in html
    assert count_users() == 0 and the_account().user_id is None


def test_s2_double_submit_creates_one_account(client, started):
    data = completion()
    data.update(
        sms_code=send(client, started, "sms", data),
        email_code=send(client, started, "mail", data),
        csrf_token=csrf(client, started),
        submit="1",
    )
    first = client.post(started, data=data)
    second = client.post(started, data=data)  # the same form sent again
    assert first.status_code == second.status_code == 302
    assert second.location == "/supplement/done"
    assert count_users() == 1 and the_account().user_id is not None


def test_s2_double_submit_landing_before_the_done_marker_continues(client, started, monkeypatch):
    """The first submit has committed the account and the link but not yet marked its flow
    done when the second arrives: the second continues as that user (its mobile is the one this
    flow proved) instead of refusing with L3."""
    data = completion()
    data.update(
        sms_code=send(client, started, "sms", data),
        email_code=send(client, started, "mail", data),
        csrf_token=csrf(client, started),
        submit="1",
    )
    with monkeypatch.context() as slow:  # the marker of the first submit is not stored yet
        slow.setattr(flow_store, "mark_done", lambda flow, uid: setattr(flow, "user_id", uid))
        assert client.post(started, data=data).status_code == 302
    second = client.post(started, data=data)
    assert second.status_code == 302 and second.location == "/supplement/done"
    assert count_users() == 1 and the_account().user_id is not None


def test_l2_refusal_is_checked_again_at_completion(client, started):
    account = the_account()
    account.designated = False  # the office's designation changed meanwhile (L4)
    db.session.commit()
    html = submit(client, started, completion()).get_data(as_text=True)
    assert said(legacy.L4_MESSAGE) in html and count_users() == 0


def test_l3_account_linked_meanwhile_is_not_linked_again(client, started):
    other = accounts.create_natural_person(name="赵六", phone="13600136000", password=NEW_PASSWORD)
    legacy_link.link(other, the_account())
    db.session.commit()
    html = submit(client, started, completion()).get_data(as_text=True)
    assert said(legacy_link.L3_TAKEN) in html and count_users() == 1


def test_s2_supplementation_belongs_to_its_browser(app, client, started):
    stranger = app.test_client()
    assert stranger.get(started).status_code == 404
    assert client.get(started).status_code == 200


def test_s1_supplementation_expires(client, started, clock):
    clock.advance(int(services().settings.legacy.supplement_ttl) + 1)
    assert client.get(started).status_code == 404


def test_cancel_gives_up_the_legacy_login(client, started):
    from support import form_fields

    html = client.get(started).get_data(as_text=True)
    token = form_fields(html)[1]["csrf_token"]
    response = client.post(f"{started}/cancel", data={"csrf_token": token})
    assert response.status_code == 302 and "/login" in response.location
    assert client.get(started).status_code == 404
    assert legacy_login(client, password=LEGACY_PASSWORD).location.startswith("/supplement/")
