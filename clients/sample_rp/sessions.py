"""Server-side sessions for the sample subsystem.

Back-Channel Logout (OIDC BCL 1.0 §2.7) asks the relying party to end *its own* session for a
given ``sid`` or ``sub`` while the user's browser is not involved, so the session cannot live in
a signed cookie: the cookie carries only a random id and the data stay here, in a dict guarded
by a lock. The dict is per process (lost on restart, not shared between workers) — enough for a
sample; a real subsystem would keep the same records in Redis or its database.

Everything Flask keeps in ``session`` lives here, including Authlib's state, nonce and PKCE
verifier between ``/login`` and ``/callback``.
"""

from __future__ import annotations

import json
import secrets
import threading
import time

from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict


class ServerSession(CallbackDict, SessionMixin):
    def __init__(self, initial=None, sid: str | None = None):
        def on_update(_):
            self.modified = True

        super().__init__(initial, on_update)
        self.sid, self.new = sid, sid is None
        self.modified = self.rotate = False


class SessionStore:
    """id -> (expires_at, JSON data, signed-in sid, signed-in sub); one lock for all."""

    def __init__(self, lifetime: int):
        self.lifetime = lifetime
        self._lock = threading.Lock()
        self._rows: dict[str, tuple[float, str, str | None, str | None]] = {}

    def load(self, key: str) -> dict | None:
        with self._lock:
            row = self._rows.get(key)
            if row is not None and row[0] <= time.time():
                del self._rows[key]
                row = None
        return json.loads(row[1]) if row else None

    def save(self, key: str | None, data: dict) -> str | None:
        """Write ``data`` under ``key`` (None: a new id); returns the id, or None when ``key``
        was ended meanwhile — a logged-out session is never brought back by a late write."""
        user = data.get("user") or {}
        now = time.time()
        with self._lock:
            if key is None:
                self._rows = {k: r for k, r in self._rows.items() if r[0] > now}
                key = secrets.token_urlsafe(32)
            elif key not in self._rows:
                return None
            self._rows[key] = (
                now + self.lifetime,
                json.dumps(data),
                user.get("sid"),
                user.get("sub"),
            )
        return key

    def delete(self, key: str) -> None:
        with self._lock:
            self._rows.pop(key, None)

    def end_signed_in(self, sid: str | None, sub: str | None) -> int:
        """End the sessions of an IdP session ``sid`` (or of ``sub`` when no sid is given)."""
        if sid is None and sub is None:
            return 0
        with self._lock:
            doomed = [
                k
                for k, (_, _, s_sid, s_sub) in self._rows.items()
                if (sid is None or s_sid == sid) and (sub is None or s_sub == sub)
            ]
            for key in doomed:
                del self._rows[key]
        return len(doomed)


class ServerSessionInterface(SessionInterface):
    def __init__(self, store: SessionStore):
        self.store = store

    def open_session(self, app, request) -> ServerSession:
        key = request.cookies.get(self.get_cookie_name(app))
        data = self.store.load(key) if key else None
        return ServerSession(data, key) if data is not None else ServerSession()

    def save_session(self, app, session: ServerSession, response) -> None:
        name, path = self.get_cookie_name(app), self.get_cookie_path(app)
        if not (session.modified or session.rotate):
            return
        key = session.sid
        if session.rotate and key:  # a fresh id at sign-in and sign-out (session fixation)
            self.store.delete(key)
            key = None
        if not session:
            if key:
                self.store.delete(key)
            if not session.new:
                response.delete_cookie(name, path=path)
            return
        key = self.store.save(key, dict(session))
        if key is None:
            response.delete_cookie(name, path=path)
            return
        response.vary.add("Cookie")
        response.set_cookie(
            name, key, path=path, httponly=True, samesite="Lax", secure=self.get_cookie_secure(app)
        )
