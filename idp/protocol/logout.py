"""Ending SSO sessions and OpenID Connect Back-Channel Logout 1.0.

When a session ends — the user signs out, an RP asks (RP-Initiated Logout), or it times out —
every client it signed into that registered a ``backchannel_logout_uri`` gets a logout token
(§2.4) by POST (§2.5). Deliveries are queued in the store and sent by the background worker,
so the user's page never waits on a relying party; failures are retried with a doubling delay
up to ``logout.backchannel_max_attempts``.

Nothing is lost (issue 11). A worker takes a due job by leasing it (``Store.zlease``: its time
in the queue moves to the end of ``logout.job_lease``), not by removing it; success removes it,
failure reschedules it, and a worker that dies in between leaves it due again when the lease
ends. Of several workers only one takes a job within a lease. A job's id is derived from the
session's ``sid`` and the client, so queueing the same notice twice (a retried sweep, two tabs
signing out at once) makes one job. The expiry sweep ends a session only after its notices are
queued: a database or store failure half-way leaves the session due, and the next pass does the
whole step again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Iterable

from joserfc import jwt
from sqlalchemy import select

from ..adapters.sessions import SessionStore, SsoSession
from ..domain import transaction
from ..domain.models import Client, User
from ..extensions import db
from ..services import services
from . import keys

log = logging.getLogger(__name__)

QUEUE = "bcl:due"
JOB_TTL = 7 * 86400
EVENT = "http://schemas.openid.net/event/backchannel-logout"


def sessions() -> SessionStore:
    return services().sessions


def end_session(key: str, reason: str) -> bool:
    """End the SSO session stored under ``key`` and queue its back-channel notices once the
    request commits. The session ends at once (signing out never waits on the database); the
    expiry sweep, which has no user waiting, uses ``expire_session`` instead."""
    ended = sessions().end(key)
    if ended is None:
        return False
    session, client_ids = ended
    sub = _subject(session)
    if sub is not None and client_ids:
        queue_notices(sub, session.sid, client_ids)
    log.info("sso session ended reason=%s clients=%d", reason, len(client_ids))
    return True


def expire_session(key: str) -> bool:
    """End a session whose deadline passed (the sweep), its notices queued first: the database
    look-ups (subject, clients) and the queueing run while the session is still stored, so a
    failure of either back end half-way leaves it in the expiry index and the next pass does
    the whole step again; queueing twice makes the same jobs (``job_id``)."""
    store = sessions()
    session = store.load(key)
    if session is None:
        store.end(key)  # already ended: only its index entries are left
        return False
    client_ids = store.clients(session)
    sub = _subject(session)
    if sub is not None and client_ids:
        _enqueue(_targets(client_ids), sub, session.sid)
    ended = store.end(key) is not None
    if ended:
        log.info("sso session ended reason=expired clients=%d", len(client_ids))
    return ended


def _subject(session: SsoSession) -> str | None:
    sub: str | None = session.sub  # the subject it was started for, not whoever has the row id
    if sub is None:  # stored before sessions kept their subject
        user = db.session.get(User, session.user_id)
        sub = user.sub if user is not None else None
    return sub


def end_user_sessions(user_id: int, reason: str, keep: str | None = None) -> int:
    """End every session of the user except the one stored under ``keep`` (P2)."""
    return sum(end_session(key, reason) for key in sessions().keys_for_user(user_id) if key != keep)


def sign_client_out(client_id: str) -> int:
    """R1: a disabled client leaves every SSO session signed in to it; each session's subject
    is signed out of it by a back-channel notice. Like the notices, the sessions' records change
    only once the request commits (a rolled-back disable leaves them as they were). The sessions
    themselves go on for the user's other subsystems. Returns the notices queued."""
    store = sessions()
    signed_in = store.signed_in_to(client_id)
    targets = _targets([client_id])
    told = [(sub, s.sid) for s in signed_in if (sub := _subject(s)) is not None] if targets else []

    def after() -> None:
        store.drop_client(client_id, signed_in)
        for sub, sid in told:
            _enqueue(targets, sub, sid)

    transaction.after_commit(after)
    return len(told)


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
    targets = _targets(client_ids)
    transaction.after_commit(lambda: _enqueue(targets, sub, sid))
    return len(targets)


def _targets(client_ids: Iterable[str]) -> list[str]:
    """The clients among these that have a back-channel logout URI."""
    return list(
        db.session.scalars(
            select(Client.client_id).where(
                Client.client_id.in_(list(client_ids)), Client.backchannel_logout_uri.is_not(None)
            )
        )
    )


def job_id(sid: str, client_id: str) -> str:
    """One notice per (session, client): queueing it again makes the same job."""
    return hashlib.sha256(f"{sid} {client_id}".encode()).hexdigest()[:32]


def _enqueue(targets: list[str], sub: str, sid: str) -> None:
    svc = services()
    for client_id in targets:
        jid = job_id(sid, client_id)
        job = {"client_id": client_id, "sub": sub, "sid": sid, "attempts": 0}
        svc.store.set(f"bcl:job:{jid}", json.dumps(job), ttl=JOB_TTL)
        svc.store.zadd(QUEUE, jid, svc.now())


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
    """Send the notices that are due; returns how many were delivered. Each job is leased
    just before its delivery (``logout.job_lease``) and leaves the queue only when it is done:
    delivered, abandoned, or found to have nothing to send."""
    svc = services()
    settings = svc.settings
    delivered = 0
    for jid in svc.store.zdue(QUEUE, svc.now(), limit):
        now = svc.now()
        if not svc.store.zlease(QUEUE, jid, now, now + settings.logout.job_lease):
            continue  # another worker holds it
        if _deliver(jid):
            delivered += 1
    return delivered


def _done(jid: str) -> None:
    svc = services()
    svc.store.zrem(QUEUE, jid)
    svc.store.delete(f"bcl:job:{jid}")


def _deliver(jid: str) -> bool:
    """One attempt at a leased job; True when the client took the notice."""
    svc = services()
    settings = svc.settings
    raw = svc.store.get(f"bcl:job:{jid}")
    if raw is None:
        svc.store.zrem(QUEUE, jid)
        return False
    job = json.loads(raw)
    client = db.session.scalar(select(Client).where(Client.client_id == job["client_id"]))
    if client is None or not client.backchannel_logout_uri:
        _done(jid)
        return False
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
        log.warning("back-channel logout to %s failed: %s", client.client_id, type(exc).__name__)
        ok = False
    if ok:
        _done(jid)
        return True
    job["attempts"] += 1
    if job["attempts"] >= settings.logout.backchannel_max_attempts:
        log.error(
            "back-channel logout to %s abandoned after %d attempts",
            client.client_id,
            job["attempts"],
        )
        _done(jid)
        return False
    delay = settings.logout.backchannel_retry_delay * 2 ** (job["attempts"] - 1)
    svc.store.set(f"bcl:job:{jid}", json.dumps(job), ttl=JOB_TTL)
    svc.store.zadd(QUEUE, jid, svc.now() + delay)
    return False


def sweep_expired_sessions() -> int:
    """End the sessions whose deadline passed, each after its notices are queued."""
    return sum(expire_session(key) for key in sessions().due_for_expiry())
