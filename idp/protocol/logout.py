"""Ending SSO sessions and OpenID Connect Back-Channel Logout 1.0.

When a session ends — the user signs out, an RP asks (RP-Initiated Logout), or it times out —
every client it signed into that registered a ``backchannel_logout_uri`` gets a logout token
(§2.4) by POST (§2.5). Deliveries are queued in the store and sent by the background worker,
so the user's page never waits on a relying party; failures are retried with a doubling delay
up to ``logout.backchannel_max_attempts``.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Iterable

from joserfc import jwt
from sqlalchemy import select

from ..adapters.sessions import SessionStore
from ..domain import transaction
from ..domain.models import Client, User
from ..extensions import db
from ..services import services
from . import keys

log = logging.getLogger(__name__)

QUEUE = "bcl:due"
EVENT = "http://schemas.openid.net/event/backchannel-logout"


def sessions() -> SessionStore:
    return services().sessions


def end_session(key: str, reason: str) -> bool:
    """End the SSO session stored under ``key`` and queue its back-channel notices."""
    ended = sessions().end(key)
    if ended is None:
        return False
    session, client_ids = ended
    sub = session.sub  # the subject it was started for, not whoever has its row id now
    if sub is None:  # stored before sessions kept their subject
        user = db.session.get(User, session.user_id)
        sub = user.sub if user is not None else None
    if sub is not None and client_ids:
        queue_notices(sub, session.sid, client_ids)
    log.info("sso session ended reason=%s clients=%d", reason, len(client_ids))
    return True


def end_user_sessions(user_id: int, reason: str, keep: str | None = None) -> int:
    """End every session of the user except the one stored under ``keep`` (P2)."""
    return sum(end_session(key, reason) for key in sessions().keys_for_user(user_id) if key != keep)


def end_acting_sessions(org_user_id: int, handler_ids: Iterable[int], reason: str) -> int:
    """R2/P3: end the handlers' SSO sessions that act for the organisation account
    ``org_user_id`` (their binding ended), with back-channel notices; their own personal
    sessions and sessions for other organisations stay."""
    ended = 0
    for handler_id in set(handler_ids):
        for key in sessions().keys_for_user(handler_id):
            s = sessions().load(key)
            if s is not None and (s.acting_for or {}).get("user_id") == org_user_id:
                ended += end_session(key, reason)
    return ended


def queue_notices(sub: str, sid: str, client_ids: Iterable[str]) -> int:
    """Queue a notice for each of these clients that has a back-channel logout URI, once the
    transaction commits (``transaction.after_commit``): never for a rolled-back request."""
    svc = services()
    targets = list(
        db.session.scalars(
            select(Client.client_id).where(
                Client.client_id.in_(list(client_ids)), Client.backchannel_logout_uri.is_not(None)
            )
        )
    )

    def enqueue() -> None:
        for client_id in targets:
            job_id = secrets.token_hex(12)
            job = {"client_id": client_id, "sub": sub, "sid": sid, "attempts": 0}
            svc.store.set(f"bcl:job:{job_id}", json.dumps(job), ttl=7 * 86400)
            svc.store.zadd(QUEUE, job_id, svc.now())

    transaction.after_commit(enqueue)
    return len(targets)


def logout_token(client: Client, sub: str, sid: str, jti: str) -> str:
    svc = services()
    alg = client.id_token_signed_response_alg or svc.settings.protocol.id_token_default_alg
    kid, key = keys.signing_key(alg)
    now = svc.now()
    claims = {
        "iss": svc.settings.issuer,
        "aud": client.client_id,
        "iat": now,
        "exp": now + 120,
        "jti": jti,
        "sub": sub,
        "sid": sid,
        "events": {EVENT: {}},
    }
    return jwt.encode({"alg": alg, "kid": kid, "typ": "logout+jwt"}, claims, key, [alg])


def deliver_due(limit: int = 50) -> int:
    """Send the notices that are due; returns how many were delivered."""
    svc = services()
    settings = svc.settings
    delivered = 0
    for job_id in svc.store.zdue(QUEUE, svc.now(), limit):
        if not svc.store.zrem(QUEUE, job_id):
            continue  # another worker took it
        raw = svc.store.get(f"bcl:job:{job_id}")
        if raw is None:
            continue
        job = json.loads(raw)
        client = db.session.scalar(select(Client).where(Client.client_id == job["client_id"]))
        if client is None or not client.backchannel_logout_uri:
            svc.store.delete(f"bcl:job:{job_id}")
            continue
        # A fresh jti per attempt: an RP that recorded the jti but failed to answer must not
        # refuse the retry as a replay (logging out twice is harmless).
        token = logout_token(client, job["sub"], job["sid"], secrets.token_urlsafe(16))
        try:
            status = svc.sender.post_form(
                client.backchannel_logout_uri,
                {"logout_token": token},
                settings.logout.backchannel_timeout,
            )
            ok = 200 <= status < 300
        except Exception as exc:  # network errors of any kind mean "try again later"
            log.warning(
                "back-channel logout to %s failed: %s", client.client_id, type(exc).__name__
            )
            ok = False
        if ok:
            svc.store.delete(f"bcl:job:{job_id}")
            delivered += 1
            continue
        job["attempts"] += 1
        if job["attempts"] >= settings.logout.backchannel_max_attempts:
            log.error(
                "back-channel logout to %s abandoned after %d attempts",
                client.client_id,
                job["attempts"],
            )
            svc.store.delete(f"bcl:job:{job_id}")
            continue
        delay = settings.logout.backchannel_retry_delay * 2 ** (job["attempts"] - 1)
        svc.store.set(f"bcl:job:{job_id}", json.dumps(job), ttl=7 * 86400)
        svc.store.zadd(QUEUE, job_id, svc.now() + delay)
    return delivered


def sweep_expired_sessions() -> int:
    return sum(end_session(key, "expired") for key in sessions().due_for_expiry())
