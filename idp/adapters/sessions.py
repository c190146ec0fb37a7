"""Server-side SSO sessions (the browser cookie holds only an opaque id).

A session lives in the store under the SHA-256 of its cookie value, records the user, how and
when they authenticated, a public ``sid`` for ID and logout tokens, and the clients it signed
into (for back-channel logout). It ends after ``idle_timeout`` without use or
``absolute_timeout`` after login, whichever comes first; a sorted set of expiry times lets the
background worker find ended sessions and notify their clients.

A set per user (``sso-user:<id>``) lists the user's session keys, to end them all (P2) and to
show them in the personal center; a set per client (``sso-client:<id>``) lists the sessions
signed in to it, to sign them out of it when it is disabled (R1). Ending a session removes it
from those sets; entries whose session vanished otherwise (its record expired in the store) are
removed by the retention purge (``purge_indexes``), and the personal center shows only live
sessions anyway.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, field

from ..domain.crypto import token_hash

EXPIRY_SET = "sso:expiry"
USER_INDEX = "sso-user:"
CLIENT_INDEX = "sso-client:"  # the sessions signed in to a client (R1: disabling it)
TOUCH_EVERY = 30
# How long a session's record (and its clients) outlives its absolute deadline in the store:
# the sweep needs them to end it and tell its clients, and a back end may be down for hours
# (issue 11). An ended session is removed at once; only one the sweep could not end waits.
KEPT_AFTER_DEADLINE = 86400


@dataclass
class SsoSession:
    key: str
    sid: str
    user_id: int
    auth_time: int
    created_at: int
    last_seen: int
    amr: list = field(default_factory=list)
    acr: str | None = None
    # an organisation or handler sign-in: {"user_id": organisation account, "kind"} (R2)
    acting_for: dict | None = None
    # the user's immutable subject beside the row id: after a database restore that re-used ids,
    # a session of someone else names another subject and is ignored (issue 11). None: a session
    # stored before subjects were kept, ignored likewise.
    sub: str | None = None


class SessionStore:
    def __init__(self, store, clock, idle: int, absolute: int):
        self.store, self.clock = store, clock
        self.idle, self.absolute = int(idle), int(absolute)

    def _now(self) -> int:
        return int(self.clock.now())

    def _deadline(self, s: SsoSession) -> int:
        return min(s.last_seen + self.idle, s.created_at + self.absolute)

    def _save(self, s: SsoSession) -> None:
        ttl = max(60, s.created_at + self.absolute - self._now() + KEPT_AFTER_DEADLINE)
        self.store.set(f"sso:{s.key}", json.dumps(asdict(s)), ttl=ttl)
        self.store.zadd(EXPIRY_SET, s.key, self._deadline(s))

    def create(
        self,
        user_id: int,
        sub: str,
        auth_time: int,
        amr: list,
        acr: str | None,
        acting_for: dict | None = None,
    ) -> tuple[str, SsoSession]:
        """Start a session; returns (cookie value, session). A new id at every login."""
        cookie = secrets.token_urlsafe(32)
        now = self._now()
        s = SsoSession(
            key=token_hash(cookie),
            sid=secrets.token_urlsafe(16),
            user_id=user_id,
            auth_time=auth_time,
            created_at=now,
            last_seen=now,
            amr=amr,
            acr=acr,
            acting_for=acting_for,
            sub=sub,
        )
        self._save(s)
        self.store.sadd(f"{USER_INDEX}{user_id}", s.key, ttl=self.absolute + KEPT_AFTER_DEADLINE)
        return cookie, s

    def load(self, key: str) -> SsoSession | None:
        raw = self.store.get(f"sso:{key}")
        return SsoSession(**json.loads(raw)) if raw else None

    def get(self, cookie: str | None) -> SsoSession | None:
        """The live session for a cookie value, touched; None when absent or ended."""
        if not cookie or len(cookie) > 128:
            return None
        s = self.load(token_hash(cookie))
        if s is None or self._deadline(s) <= self._now():
            return None
        if self._now() - s.last_seen >= TOUCH_EVERY:
            s.last_seen = self._now()
            self._save(s)
        return s

    def add_client(self, s: SsoSession, client_id: str) -> None:
        ttl = self.absolute + KEPT_AFTER_DEADLINE
        self.store.sadd(f"sso:{s.key}:clients", client_id, ttl=ttl)
        self.store.sadd(f"{CLIENT_INDEX}{client_id}", s.key, ttl=ttl)

    def signed_in_to(self, client_id: str) -> list[SsoSession]:
        """R1: the stored sessions signed in to the client (read only)."""
        found = []
        for key in self.store.smembers(f"{CLIENT_INDEX}{client_id}"):
            s = self.load(key)
            if s is not None and client_id in self.clients(s):
                found.append(s)
        return found

    def drop_client(self, client_id: str, signed_in: list[SsoSession]) -> None:
        """R1: the client (disabled) leaves these sessions and its index."""
        for s in signed_in:
            self.store.srem(f"sso:{s.key}:clients", client_id)
        self.store.delete(f"{CLIENT_INDEX}{client_id}")

    def clients(self, s: SsoSession) -> set[str]:
        return self.store.smembers(f"sso:{s.key}:clients")

    def end(self, key: str) -> tuple[SsoSession, set[str]] | None:
        """Remove a session; returns it and its clients so they can be told (once)."""
        raw = self.store.pop(f"sso:{key}")
        self.store.zrem(EXPIRY_SET, key)
        if raw is None:
            return None
        s = SsoSession(**json.loads(raw))
        clients = self.store.smembers(f"sso:{key}:clients")
        self.store.delete(f"sso:{key}:clients")
        self.store.srem(f"{USER_INDEX}{s.user_id}", key)
        for client_id in clients:
            self.store.srem(f"{CLIENT_INDEX}{client_id}", key)
        return s, clients

    def keys_for_user(self, user_id: int) -> set[str]:
        """Every session key indexed under the row id (to end them all: ending more is safe)."""
        return self.store.smembers(f"{USER_INDEX}{user_id}")

    def sessions_of(self, user_id: int, sub: str) -> list[tuple[str, SsoSession]]:
        """(key, session) of the user's live sessions: row id and subject both match, so a
        session left by another person under a re-used id is never shown as theirs, and its
        deadline has not passed (the sweep may not have ended it yet)."""
        found = []
        for key in self.keys_for_user(user_id):
            s = self.load(key)
            if (
                s is not None
                and s.user_id == user_id
                and s.sub == sub
                and self._deadline(s) > self._now()
            ):
                found.append((key, s))
        return found

    def purge_indexes(self) -> int:
        """Remove the entries of the per-user and per-client sets whose session is gone (ended,
        or its record expired); returns how many. A session past its deadline but still stored
        keeps its entries: the sweep ends it, which removes them too."""
        removed = 0
        for index in [*self.store.scan(USER_INDEX), *self.store.scan(CLIENT_INDEX)]:
            gone = [k for k in self.store.smembers(index) if self.store.get(f"sso:{k}") is None]
            if gone:
                removed += self.store.srem(index, *gone)
        return removed

    def due_for_expiry(self, limit: int = 100) -> list[str]:
        """Keys whose deadline passed (the caller re-checks and ends them)."""
        out = []
        for key in self.store.zdue(EXPIRY_SET, self._now(), limit):
            s = self.load(key)
            if s is not None and self._deadline(s) > self._now():
                self.store.zadd(EXPIRY_SET, key, self._deadline(s))
                continue
            out.append(key)
        return out
