"""Account events (``idp/flows/account_events.py``; issue 10, item 2): each event makes its
change and its consequences happen in one place — grants revoked through ``revoke_family``
(its store marker set), SSO sessions ended with back-channel notices only once the transaction
commits, an ``idp.audit`` line. The tests call the event as a view does, then commit or roll
back as the request's edge would. Views' own tests (test_handler_revocation, test_account,
test_personal_center, test_legacy_reset, test_cli) still pin the user-visible results.
"""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import select

from idp.domain import transaction
from idp.domain.accounts import profile
from idp.domain.models import Consent, Token
from idp.domain.organisations import handlers
from idp.extensions import db
from idp.flows import account_events
from idp.protocol import logout
from idp.services import services
from orgkit import file_agency, make_handler, uscc
from support import PASSWORD, Browser, make_relying_party
from web.test_handler_revocation import (  # noqa: F401
    BCL_URI,
    acting_sessions,
    introspect,
    org,
    settings_overrides,
    sign_in_as_handler,
)

NEW_PHONE = "13700001111"


@pytest.fixture
def bcl_rp(app):
    return make_relying_party(name="商标网上服务", backchannel_logout_uri=BCL_URI)


def families(user_id: int, *, revoked: bool) -> set[str]:
    db.session.expire_all()
    rows = db.session.scalars(select(Token).where(Token.user_id == user_id)).all()
    return {t.family_id for t in rows if (t.revoked_at is not None) == revoked}


def marked(family_id: str) -> bool:
    """``revoke_family``'s marker: the one revocation path was taken."""
    return services().store.get(f"family-revoked:{family_id}") is not None


def sessions_of(user_id: int) -> set[str]:
    """The user's live SSO sessions (the per-user index keeps ended ones until it expires)."""
    store = logout.sessions()
    return {key for key in store.keys_for_user(user_id) if store.load(key) is not None}


def notices() -> list:
    return services().store.zdue(logout.QUEUE, services().now() + 1, 50)


def audited(caplog, event: str) -> bool:
    """The ``idp.audit`` line the audit trail's entry writes (``idp.domain.trail.record``)."""
    return any(r.name == "idp.audit" and event in r.getMessage() for r in caplog.records)


def test_p4_deactivation_event_revokes_every_grant_and_signs_out_after_the_commit(
    app, browser, user, bcl_rp, caplog
):
    caplog.set_level(logging.INFO, logger="idp.audit")
    browser.tokens_for(bcl_rp, scope="openid offline_access")
    live = families(user.id, revoked=False)
    assert live and sessions_of(user.id)
    account_events.deactivate(user)
    assert families(user.id, revoked=False) == set()
    assert all(marked(f) for f in live)
    assert sessions_of(user.id) and notices() == []  # signed out only once it commits
    transaction.commit()
    assert sessions_of(user.id) == set()
    assert len(notices()) == 1
    assert audited(caplog, "event=account.deactivated")


def test_an_event_in_a_rolled_back_request_revokes_nothing_and_signs_nobody_out(
    app, browser, user, bcl_rp
):
    browser.tokens_for(bcl_rp)
    live = families(user.id, revoked=False)
    account_events.deactivate(user)
    transaction.rollback()
    transaction.commit()  # a later commit does not run the dropped consequences
    assert families(user.id, revoked=False) == live
    assert sessions_of(user.id) and notices() == []


def test_p2_password_change_event_ends_every_grant_and_every_other_session(
    app, user, bcl_rp, caplog
):
    caplog.set_level(logging.INFO, logger="idp.audit")
    here, there = Browser(app), Browser(app)
    here.tokens_for(bcl_rp)
    there.tokens_for(bcl_rp)
    keys = sessions_of(user.id)
    assert len(keys) == 2
    kept = sorted(keys)[0]
    account_events.change_password(
        user, PASSWORD, "Another-Pass-2024", "Another-Pass-2024", keep_session=kept
    )
    transaction.commit()
    assert families(user.id, revoked=False) == set()
    assert sessions_of(user.id) == {kept}
    assert len(notices()) == 1
    assert audited(caplog, '"reason":"password_changed"')


def test_l6_legacy_password_reset_has_the_consequences_of_a_password_change(
    app, browser, user, bcl_rp, caplog
):
    caplog.set_level(logging.INFO, logger="idp.audit")
    browser.tokens_for(bcl_rp)
    account_events.password_changed(user.id, "password_reset")
    transaction.commit()
    assert families(user.id, revoked=False) == set() and sessions_of(user.id) == set()
    assert audited(caplog, '"reason":"password_reset"')


def test_consent_withdrawal_event_revokes_that_clients_grants_only(app, browser, user, caplog):
    caplog.set_level(logging.INFO, logger="idp.audit")
    first = make_relying_party(name="甲应用", redirect_uri="https://a.example.test/cb")
    second = make_relying_party(name="乙应用", redirect_uri="https://b.example.test/cb")
    browser.tokens_for(first)
    browser.tokens_for(second)
    assert account_events.withdraw_consent(user, first.client_id) is True
    transaction.commit()
    db.session.expire_all()
    revoked = {t.client_id for t in db.session.scalars(select(Token)) if t.revoked_at}
    assert revoked == {first.client_id}
    assert db.session.scalar(select(Consent.id).where(Consent.client_id == first.client_id)) is None
    assert account_events.withdraw_consent(user, first.client_id) is False
    assert audited(caplog, "event=consent.withdrawn")


def test_r1_disabling_a_client_revokes_its_grants_through_revoke_family(
    app, browser, user, bcl_rp, caplog
):
    caplog.set_level(logging.INFO, logger="idp.audit")
    browser.tokens_for(bcl_rp)
    live = families(user.id, revoked=False)
    client = account_events.disable_client(bcl_rp.client_id)
    transaction.commit()
    assert client.enabled is False
    assert families(user.id, revoked=False) == set() and all(marked(f) for f in live)
    assert audited(caplog, "event=client.disabled")


def test_r1_disabling_a_client_signs_it_out_of_the_sessions_signed_in_to_it(
    app, browser, user, bcl_rp
):
    browser.tokens_for(bcl_rp)
    assert notices() == []
    account_events.disable_client(bcl_rp.client_id)
    transaction.commit()
    jobs = notices()
    assert len(jobs) == 1
    job = json.loads(services().store.get(f"bcl:job:{jobs[0]}"))
    assert job["client_id"] == bcl_rp.client_id
    assert sessions_of(user.id)  # the SSO session goes on for the user's other subsystems


def test_r1_a_rolled_back_disable_leaves_the_sessions_signed_in_to_the_client(
    app, browser, user, bcl_rp
):
    browser.tokens_for(bcl_rp)
    store = services().sessions
    [session] = store.signed_in_to(bcl_rp.client_id)
    account_events.disable_client(bcl_rp.client_id)
    transaction.rollback()
    transaction.commit()
    assert [s.key for s in store.signed_in_to(bcl_rp.client_id)] == [session.key]
    assert bcl_rp.client_id in store.clients(session) and notices() == []
    account_events.disable_client(bcl_rp.client_id)
    transaction.commit()
    assert store.signed_in_to(bcl_rp.client_id) == []
    assert bcl_rp.client_id not in store.clients(session) and len(notices()) == 1


def test_mobile_change_event_is_audited_and_keeps_grants(app, browser, user, bcl_rp, caplog):
    caplog.set_level(logging.INFO, logger="idp.audit")
    browser.tokens_for(bcl_rp)
    profile.send_mobile_code(user, NEW_PHONE, "flow", "198.51.100.1")
    code = next(m["params"]["code"] for m in services().sms.outbox.latest() if m["to"] == NEW_PHONE)
    account_events.change_mobile(user, NEW_PHONE, code, "flow")
    transaction.commit()
    assert profile.current_mobile(user) == NEW_PHONE
    assert families(user.id, revoked=False) and sessions_of(user.id)
    assert audited(caplog, "event=mobile.changed")


@pytest.mark.parametrize("event", ["unbind_handler", "change_to_agency"])
def test_r2_binding_events_end_the_handlers_grants_and_sessions_for_the_organisation(
    app, org, bcl_rp, caplog, event
):
    caplog.set_level(logging.INFO, logger="idp.audit")
    handler = make_handler(1)
    handlers.bind_handler(org, handler)
    transaction.commit()
    acting = Browser(app)
    issued = sign_in_as_handler(acting, bcl_rp, handler)
    own = Browser(app)
    own.tokens_for(bcl_rp, identifier=handler.phone)  # the handler's own grant stays
    if event == "unbind_handler":
        account_events.unbind_handler(org, handler.id)
    else:
        file_agency(uscc(7))
        account_events.change_to_agency(org)
    assert acting_sessions(handler, org)  # until the commit
    transaction.commit()
    assert acting_sessions(handler, org) == []
    assert introspect(acting, bcl_rp, issued["access_token"]) == {"active": False}
    assert families(handler.id, revoked=False)  # the personal grant
    assert len(notices()) == 1
    assert audited(
        caplog,
        "event=handler.unbound" if event == "unbind_handler" else '"reason":"changed_to_agency"',
    )
