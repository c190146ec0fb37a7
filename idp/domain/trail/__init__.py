"""The audit trail (issue 12, "Audit"): who did what, when, from where, with what result.

Not to be confused with ``identity.audit`` (the report of stored identifiers that break today's
input rules). Modules:

- ``events``: the closed vocabulary of event types, one constant per event, documented there;
- ``context``: where the current unit of work comes from (client IP, "cli", "worker"), set by
  the edges, read by ``record``;
- ``record``: ``record(event, ...)``, the one way to write an entry;
- ``chain``: the sealer and ``verify``;
- ``search``: search and the CSV export;
- ``purge``: the retention purge and its checkpoint.

**Design.** An entry is inserted *unsealed* in the transaction of the event it records: cheap,
no lock, committed or rolled back with the event (a success that rolled back did not happen).
A refusal or failure (a failed login answers an error page, which rolls the request back) is
written again in a short transaction of its own after the rollback
(``transaction.after_rollback``), so it stands whatever the request does; if the database is
down at that moment the entry is lost and the ``idp.audit`` log line is what remains.

The *sealer* (``chain.seal``; every background worker pass, and ``idp audit seal``) takes, in
one short transaction under a lock (PostgreSQL advisory lock; the unique ``seq`` refuses a
fork in any case), the committed unsealed entries oldest first and gives each the next
sequence number, the previous entry's hash and its own hash: SHA-256 over the previous hash and
a canonical serialisation of the entry (``chain.digest``). Logins are never serialised on the
chain; only the sealer is.

``idp audit verify`` walks the chain in sequence order and reports the first altered entry
(its hash no longer matches), deleted or reordered entry (a gap in the sequence, or a previous
hash that is not the one before it), and unsealed entries older than ``audit.seal_grace``
seconds (a sealer that does not run, or an entry slipped in later).

**Limit.** An entry deleted or changed *before* it was sealed is not detectable: the window is
one worker pass (``logout.worker_interval``) plus the time its transaction takes. On
PostgreSQL the trigger of migration 0013 refuses the DELETE of unsealed rows and any UPDATE
but the seal's, which narrows that window to someone who can drop the trigger.

**Retention.** ``purge`` deletes the oldest *prefix* of the chain whose entries are older than
``audit.keep_days`` (never below 180 days, 等保), then records and seals a checkpoint entry
(``audit.purged``) naming the last purged sequence number and its hash. ``verify`` starts at the
oldest kept entry and accepts its previous hash only when it is the genesis hash (sequence 1)
or a sealed checkpoint names it, so a purge stays verifiable and a deleted head does not.

**Never a secret.** ``detail`` holds counts, reasons, key ids, entries, masked recipients;
``record`` refuses keys that name a secret or a full identifier (``record.FORBIDDEN``).

Example (an event site)::

    from ..domain import trail

    trail.record(trail.PASSWORD_CHANGED, subject=user.id, reason="password_changed", revoked=2)
"""

from .events import (
    ACCOUNT_DEACTIVATED,
    AUDIT_PURGED,
    CLIENT_CREATED,
    CLIENT_DISABLED,
    CLIENT_ENABLED,
    CLIENT_SECRET_RESET,
    CLIENT_UPDATED,
    CODE_SENT,
    CONSENT_GRANTED,
    CONSENT_WITHDRAWN,
    EMAIL_CHANGED,
    FAILED,
    HANDLER_BOUND,
    HANDLER_UNBOUND,
    KEY_ROTATED,
    LEGACY_LINKED,
    LOGIN_FAILED,
    LOGIN_LOCKED,
    LOGIN_SUCCEEDED,
    MOBILE_CHANGED,
    NOTICE_SENT,
    OK,
    PASSWORD_CHANGED,
    REALNAME_VERIFIED,
    REFUSED,
    SUPPLEMENT_COMPLETED,
    TOKENS_REVOKED,
)
from .record import mask, record

__all__ = [
    "ACCOUNT_DEACTIVATED",
    "AUDIT_PURGED",
    "CLIENT_CREATED",
    "CLIENT_DISABLED",
    "CLIENT_ENABLED",
    "CLIENT_SECRET_RESET",
    "CLIENT_UPDATED",
    "CODE_SENT",
    "CONSENT_GRANTED",
    "CONSENT_WITHDRAWN",
    "EMAIL_CHANGED",
    "FAILED",
    "HANDLER_BOUND",
    "HANDLER_UNBOUND",
    "KEY_ROTATED",
    "LEGACY_LINKED",
    "LOGIN_FAILED",
    "LOGIN_LOCKED",
    "LOGIN_SUCCEEDED",
    "MOBILE_CHANGED",
    "NOTICE_SENT",
    "OK",
    "PASSWORD_CHANGED",
    "REALNAME_VERIFIED",
    "REFUSED",
    "SUPPLEMENT_COMPLETED",
    "TOKENS_REVOKED",
    "mask",
    "record",
]
