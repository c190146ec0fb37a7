"""The admin session (issue 12): a record in the store under a random id, named by the
``idp_admin`` cookie (Path=/admin, HttpOnly, SameSite=Strict, Secure in production).

A record is first ``second`` (the password was right; the TOTP code or the enrolment is due,
within ``admin.login_ttl``), then ``full``. A full session ends after ``admin.idle_timeout``
seconds without a request and ``admin.absolute_timeout`` after login, whatever the activity;
it also ends at its next request once the account is disabled or its TOTP reset. Validity is
decided by the settable clock, not by the store's TTL (which only collects garbage). The id
changes when the session becomes full (no fixation); the store keys hold its digest only.
``fresh`` is the time of the last password + TOTP proof (login or re-authentication).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass

from ..domain.crypto import token_hash
from ..services import services

SECOND, FULL = "second", "full"


@dataclass
class AdminSession:
    admin_id: int
    stage: str
    created: int
    last: int
    fresh: int = 0
    sid: str = ""  # the cookie's value; not stored


def _key(sid: str) -> str:
    return "adm:sess:" + token_hash(sid)


def _save(s: AdminSession) -> None:
    svc = services()
    record = {k: v for k, v in asdict(s).items() if k != "sid"}
    svc.store.set(_key(s.sid), json.dumps(record), ttl=svc.settings.admin.absolute_timeout + 60)


def start(admin_id: int, stage: str) -> AdminSession:
    now = services().now()
    s = AdminSession(
        admin_id=admin_id,
        stage=stage,
        created=now,
        last=now,
        fresh=now if stage == FULL else 0,
        sid=secrets.token_urlsafe(32),
    )
    _save(s)
    return s


def load(sid: str | None) -> AdminSession | None:
    """The live session named by ``sid``, or None (expired ones are deleted)."""
    if not sid:
        return None
    svc = services()
    raw = svc.store.get(_key(sid))
    if raw is None:
        return None
    try:
        s = AdminSession(**json.loads(raw), sid=sid)
    except (TypeError, ValueError):
        end(sid)
        return None
    limits = svc.settings.admin
    now = svc.now()
    if s.stage == SECOND:
        alive = now - s.created < limits.login_ttl
    else:
        alive = now - s.last < limits.idle_timeout and now - s.created < limits.absolute_timeout
    if not alive:
        end(sid)
        return None
    return s


def touch(s: AdminSession) -> None:
    s.last = services().now()
    _save(s)


def promote(s: AdminSession) -> AdminSession:
    """The second factor is proven: a full session under a new id (the old one ends)."""
    end(s.sid)
    return start(s.admin_id, FULL)


def refresh(s: AdminSession) -> None:
    """A re-authentication: password and TOTP proven again now."""
    s.fresh = services().now()
    _save(s)


def end(sid: str | None) -> None:
    if sid:
        services().store.delete(_key(sid))
