"""Account events and their consequences, wired once (issue 10, item 2).

Each function is one event: it makes the change through the domain, then its consequences —
token grants revoked through the one revocation path (``tokens.revoke_family``, per family,
whose store marker also catches a token being issued at that moment), SSO sessions ended with
their back-channel logout notices (OIDC Back-Channel Logout 1.0 §2.7) once the transaction
commits (``transaction.after_commit``: a rolled-back request signs nobody out), and an entry
of the audit trail (``idp.domain.trail``: event, account id, counts; never a value), which
also writes the ``idp.audit`` log line, and the notices of the change to the account's contacts
(``verification.notices``, sent once the transaction commits). Views and CLI commands
call the event; none sequences the consequences itself.

==========================  ======================================================
event                       consequences
==========================  ======================================================
``deactivate``              P4/P2: every grant of the account and every grant acting
                            for it (R2); its sessions and its handlers' sessions for it
``change_password``         P2: every grant; every other session of the user; a notice to
                            the verified mobile and e-mail
``password_reset``          忘记密码 (issue 13): every grant and session; a notice to
                            the other contacts (and the handler whose mobile got the code)
``legacy_password_reset``   the legacy reset of a linked account (L8, L6): the same
``change_mobile``           the mobile is the login name (no grant carries it); a notice
                            to the old mobile
``change_email``            a notice to the old address
``unbind_handler``          R2/P3: the handler's grants and sessions acting for the
                            organisation; their own and other organisations' stay; a
                            notice to the organisation's contacts and the handler
``change_to_agency``        P6: every handler's grants and sessions acting for it; a
                            notice to each handler
``withdraw_consent``        the user's grants of that client
``disable_client``          R1: every grant of the client
==========================  ======================================================

Example (a view)::

    ended = account_events.change_to_agency(org)   # revoked now, signed out after the commit
"""

from __future__ import annotations

from ..domain import trail, transaction
from ..domain.accounts import profile
from ..domain.accounts import reset as password_reset_rules
from ..domain.clients import consents
from ..domain.clients import registry as clients
from ..domain.models import Client, Organisation, User
from ..domain.organisations import handlers
from ..domain.organisations import registration as organisations
from ..domain.verification import notices
from ..extensions import db
from ..protocol import logout, tokens


def deactivate(user: User) -> list[int]:
    """P4: the account ends (``profile.deactivate``); returns the handlers whose binding to it
    ended."""
    organisation = profile.organisation_of(user)
    acted_for = [b.organisation for b in handlers.organisations_for_handler(user)]
    for bound in acted_for if organisation is None else []:  # a handler's own deactivation
        notices.handler_unbound(bound, user, tell_handler=False)  # named before it is erased
    ended = profile.deactivate(user)
    if organisation is not None:
        _tell_handlers(organisation, ended)
    families = tokens.revoke_for_user(user.id, reason="deactivated")
    # an organisation's handlers' grants (R2)
    families += tokens.revoke_acting_for(user.id, reason="organisation_deactivated")
    _end_sessions(user.id, "deactivated")
    _end_acting_sessions(user.id, ended, "organisation_deactivated")
    trail.record(trail.ACCOUNT_DEACTIVATED, subject=user.id, revoked=families, handlers=ended)
    return ended


def change_password(
    user: User, current: str, new: str, confirm: str, *, keep_session: str | None = None
) -> None:
    """P2: the new password ends every grant and every session but the one that changed it."""
    profile.change_password(user, current, new, confirm)
    password_changed(user.id, "password_changed", keep_session=keep_session)
    notices.password_changed(user)


def password_changed(
    user_id: int, reason: str, *, keep_session: str | None = None, **detail: str
) -> None:
    """The consequences of a password that changed outside ``change_password``: every grant
    ends, and every session but ``keep_session``; ``detail`` goes to the audit entry."""
    revoked = tokens.revoke_for_user(user_id, reason=reason)
    _end_sessions(user_id, reason, keep=keep_session)
    trail.record(trail.PASSWORD_CHANGED, subject=user_id, reason=reason, revoked=revoked, **detail)


def password_reset(target: password_reset_rules.Target) -> None:
    """忘记密码 (issue 13) after ``reset.reset``: every grant and session of the account ends
    and its other contacts (for a reset through a handler's mobile: the organisation's contacts
    and that handler) are told."""
    password_changed(target.user_id, "password_reset", channel=target.channel, via=target.via)
    user = db.session.get_one(User, target.user_id)
    handler = db.session.get(User, target.handler_id) if target.handler_id else None
    notices.password_reset(user, (target.channel, target.destination), handler)


def legacy_password_reset(user_id: int, used: tuple[str, str] | None) -> None:
    """L8 reset of a legacy account linked to ``user_id`` (L6): the user's password changed,
    through a code sent to ``used`` (the user's current mobile or e-mail)."""
    password_changed(user_id, "password_reset", via="legacy")
    user = db.session.get(User, user_id)
    if user is not None and used is not None:
        notices.password_reset(user, used)


def change_mobile(user: User, phone: str, code: str, flow_id: str) -> None:
    """The mobile (the login name) changes after its code; grants and sessions stay; the old
    mobile, when it was verified, is told."""
    old = profile.verified_mobile(user)
    profile.change_mobile(user, phone, code, flow_id)
    trail.record(trail.MOBILE_CHANGED, subject=user.id)
    notices.mobile_changed(user, old, profile.current_mobile(user) or "")


def change_email(user: User, email: str, code: str, flow_id: str) -> None:
    """The e-mail address changes after its code; the old one, when it was verified, is told."""
    old = profile.verified_email(user)
    profile.change_email(user, email, code, flow_id)
    notices.email_changed(user, old, user.email or "")


def unbind_handler(organisation: Organisation, handler_id: int) -> list[int]:
    """R2/P3: the handler's grants and sessions acting for the organisation end."""
    ended = handlers.unbind_handler(organisation, handler_id)
    revoked = tokens.revoke_acting_for(organisation.user_id, ended[0], reason="binding_ended")
    _end_acting_sessions(organisation.user_id, ended, "handler_unbound")
    trail.record(
        trail.HANDLER_UNBOUND, subject=organisation.user_id, handler=ended[0], revoked=revoked
    )
    handler = db.session.get(User, ended[0])
    if handler is not None:
        notices.handler_unbound(organisation, handler)
    return ended


def change_to_agency(organisation: Organisation) -> list[int]:
    """P6: every binding ends, and with it what the handlers hold for the organisation."""
    ended = organisations.change_to_agency(organisation)
    revoked = tokens.revoke_acting_for(organisation.user_id, reason="binding_ended")
    _end_acting_sessions(organisation.user_id, ended, "changed_to_agency")
    # each ended binding is an unbinding (P6)
    trail.record(
        trail.HANDLER_UNBOUND,
        subject=organisation.user_id,
        handlers=ended,
        revoked=revoked,
        reason="changed_to_agency",
    )
    _tell_handlers(organisation, ended)
    return ended


def withdraw_consent(user: User, client_id: str) -> bool:
    """The consent ends, and the user's grants of that client; False when there was none."""
    if not consents.withdraw(user.id, client_id):
        return False
    revoked = tokens.revoke_for_user(user.id, client_id, reason="consent_withdrawn")
    trail.record(trail.CONSENT_WITHDRAWN, subject=user.id, client=client_id, revoked=revoked)
    return True


def disable_client(client_id: str) -> Client:
    """R1: the subsystem is switched off, every grant it holds ends (the one revocation path)
    and it is signed out of the SSO sessions signed in to it (back-channel notices, queued
    after commit)."""
    client = clients.disable(client_id)
    revoked = tokens.revoke_for_client(client_id)
    notices = logout.sign_client_out(client_id)
    trail.record(trail.CLIENT_DISABLED, client=client_id, revoked=revoked, notices=notices)
    return client


def _tell_handlers(organisation: Organisation, handler_ids: list[int]) -> None:
    """Every binding of the organisation ended at once (P6, P4): each handler is told."""
    for handler_id in handler_ids:
        handler = db.session.get(User, handler_id)
        if handler is not None:
            notices.handler_unbound(organisation, handler, tell_organisation=False)


def _end_sessions(user_id: int, reason: str, keep: str | None = None) -> None:
    transaction.after_commit(lambda: logout.end_user_sessions(user_id, reason, keep=keep))


def _end_acting_sessions(org_user_id: int, handler_ids: list[int], reason: str) -> None:
    if handler_ids:
        transaction.after_commit(
            lambda: logout.end_acting_sessions(org_user_id, handler_ids, reason)
        )
