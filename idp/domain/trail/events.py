"""The audit trail's vocabulary: one constant per event type, the only values of
``AuditEntry.event`` (issue 12, "Audit"). ``result`` says how it ended (``OK``, ``REFUSED``,
``FAILED``).

=========================  ===========================================================
event                      recorded when (detail)
=========================  ===========================================================
``login.succeeded``        a citizen signed in: any entry, any method (entry, method)
``login.failed``           a password or code was wrong, or the account unknown (entry,
                           method, identifier masked); result refused
``login.locked``           the attempt met a locked account/address (entry, method); refused
``legacy.linked``          a legacy account was linked to an account (legacy id, kind)
``supplement.completed``   a legacy supplementation made or completed an account (kind)
``code.sent``              an SMS or mail verification code went out (channel, purpose,
                           recipient masked)
``password.changed``       a password changed or was reset (reason, families revoked)
``mobile.changed``         the login mobile changed
``email.changed``          the e-mail address changed
``account.deactivated``    an account ended (families revoked, handlers unbound)
``account.realname_verified`` an account made without a real-name verification passed one
                           from the personal center (document type; never the number)
``handler.bound``          a handler was bound to an organisation (handler)
``handler.unbound``        a handler's binding ended (handler, families revoked)
``notice.sent``            a notice of an account change was queued to go out once the change
                           commits (kind, channel, recipient masked; never a code)
``consent.granted``        a user consented to a client (scopes)
``consent.withdrawn``      a consent was withdrawn (families revoked)
``tokens.revoked``         a token family was revoked (reason: reuse, logout, binding_ended,
                           client_disabled, …; family id)
``key.rotated``            a signing key was promoted (kid, alg)
``client.created``         a client was registered (enabled or not)
``client.updated``         a client's metadata changed (the names of the fields)
``client.secret_reset``    a client got a new secret (never the secret)
``client.enabled``         a client was enabled
``client.disabled``        a client was disabled (families revoked)
``audit.purged``           the retention purge removed the oldest entries (count, through:
                           the last purged sequence number, hash: its hash)
``admin.login``            an administrator's password and code were right, or one was
                           wrong (result refused; username)
``admin.login_totp``       an administrator's TOTP code was wrong (username); refused
``admin.enrol_totp``       an administrator enrolled an authenticator (username)
``admin.lockout``          an administrator's attempt met a lock (username); refused
``admin.reauth``           an administrator re-authenticated, or failed to (username)
``admin.logout``           an administrator signed out
``admin.password_change``  an administrator changed their password, or failed the check
``admin.create``           an administrator account was made (username, role)
``admin.disable``          an administrator account was disabled (username)
``admin.reset_totp``       an administrator's authenticator was reset (username)
``admin.audit_exported``   an auditor exported the audit trail as CSV (rows, filters)
``admin.sessions_ended``   an administrator ended a citizen's SSO sessions, one or all
                           (subject: the citizen; which: one or all; count)
``admin.review_decided``   a reviewer approved or rejected a review case (P7; subject: the
                           organisation's account; decision; case)
``admin.key_rotate``       an administrator's key rotation was refused (alg, kid of the
                           ``next`` key, wait in seconds; publish-before-sign); refused. A
                           rotation that happens is ``key.rotated``, naming the administrator
``admin.register_imported`` an administrator imported a register, or tried to (kind, dry
                           run, counts or the reason of a refusal; never a row's content)
=========================  ===========================================================

The ``admin.*`` entries name the administrator as the actor (``admin:<id>``, or ``cli``); their
``subject`` is empty (administrators are not citizens), unless the action was about a citizen
(``admin.sessions_ended``, ``admin.review_decided``).
"""

from __future__ import annotations

from typing import Final

LOGIN_SUCCEEDED: Final = "login.succeeded"
LOGIN_FAILED: Final = "login.failed"
LOGIN_LOCKED: Final = "login.locked"
LEGACY_LINKED: Final = "legacy.linked"
SUPPLEMENT_COMPLETED: Final = "supplement.completed"
CODE_SENT: Final = "code.sent"
PASSWORD_CHANGED: Final = "password.changed"
MOBILE_CHANGED: Final = "mobile.changed"
EMAIL_CHANGED: Final = "email.changed"
ACCOUNT_DEACTIVATED: Final = "account.deactivated"
REALNAME_VERIFIED: Final = "account.realname_verified"
HANDLER_BOUND: Final = "handler.bound"
HANDLER_UNBOUND: Final = "handler.unbound"
NOTICE_SENT: Final = "notice.sent"
CONSENT_GRANTED: Final = "consent.granted"
CONSENT_WITHDRAWN: Final = "consent.withdrawn"
TOKENS_REVOKED: Final = "tokens.revoked"
KEY_ROTATED: Final = "key.rotated"
CLIENT_CREATED: Final = "client.created"
CLIENT_UPDATED: Final = "client.updated"
CLIENT_SECRET_RESET: Final = "client.secret_reset"
CLIENT_ENABLED: Final = "client.enabled"
CLIENT_DISABLED: Final = "client.disabled"
AUDIT_PURGED: Final = "audit.purged"
ADMIN_LOGIN: Final = "admin.login"
ADMIN_LOGIN_TOTP: Final = "admin.login_totp"
ADMIN_ENROL_TOTP: Final = "admin.enrol_totp"
ADMIN_LOCKOUT: Final = "admin.lockout"
ADMIN_REAUTH: Final = "admin.reauth"
ADMIN_LOGOUT: Final = "admin.logout"
ADMIN_PASSWORD_CHANGE: Final = "admin.password_change"
ADMIN_CREATE: Final = "admin.create"
ADMIN_DISABLE: Final = "admin.disable"
ADMIN_RESET_TOTP: Final = "admin.reset_totp"
ADMIN_AUDIT_EXPORTED: Final = "admin.audit_exported"
ADMIN_SESSIONS_ENDED: Final = "admin.sessions_ended"
ADMIN_REVIEW_DECIDED: Final = "admin.review_decided"
ADMIN_KEY_ROTATE: Final = "admin.key_rotate"
ADMIN_APPEAL_DECIDED: Final = "admin.appeal_decided"
ADMIN_ID_REVEALED: Final = "admin.id_revealed"
ADMIN_REGISTER_IMPORTED: Final = "admin.register_imported"

EVENTS: Final = frozenset(
    {
        LOGIN_SUCCEEDED,
        LOGIN_FAILED,
        LOGIN_LOCKED,
        LEGACY_LINKED,
        SUPPLEMENT_COMPLETED,
        CODE_SENT,
        PASSWORD_CHANGED,
        MOBILE_CHANGED,
        EMAIL_CHANGED,
        ACCOUNT_DEACTIVATED,
        REALNAME_VERIFIED,
        HANDLER_BOUND,
        HANDLER_UNBOUND,
        NOTICE_SENT,
        CONSENT_GRANTED,
        CONSENT_WITHDRAWN,
        TOKENS_REVOKED,
        KEY_ROTATED,
        CLIENT_CREATED,
        CLIENT_UPDATED,
        CLIENT_SECRET_RESET,
        CLIENT_ENABLED,
        CLIENT_DISABLED,
        AUDIT_PURGED,
        ADMIN_LOGIN,
        ADMIN_LOGIN_TOTP,
        ADMIN_ENROL_TOTP,
        ADMIN_LOCKOUT,
        ADMIN_REAUTH,
        ADMIN_LOGOUT,
        ADMIN_PASSWORD_CHANGE,
        ADMIN_CREATE,
        ADMIN_DISABLE,
        ADMIN_RESET_TOTP,
        ADMIN_AUDIT_EXPORTED,
        ADMIN_SESSIONS_ENDED,
        ADMIN_REVIEW_DECIDED,
        ADMIN_KEY_ROTATE,
        ADMIN_APPEAL_DECIDED,
        ADMIN_ID_REVEALED,
        ADMIN_REGISTER_IMPORTED,
    }
)

OK: Final = "ok"
REFUSED: Final = "refused"
FAILED: Final = "failed"
RESULTS: Final = frozenset({OK, REFUSED, FAILED})
