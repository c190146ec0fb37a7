"""A new client secret on its way to the one page that shows it (R1: shown once, at creation,
at a reset, or when an edit moves a client to a secret method).

POST-redirect-GET: the POST that made the secret parks it in the store under this admin session
and the page that shows it takes it out, so a reload neither shows it again nor makes another.
While it waits (at most ``SHOWN_FOR`` seconds) the store holds neither the secret nor the
session id: the key names the session by its digest, as the session's own record does, and the
value is sealed (AES-GCM, ``crypto.FieldCipher``) under a key derived from the session id, which
only the administrator's cookie carries. Whoever reads the store, even with the server's field
keys, cannot read the secret, and no other admin session can take it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from flask import g, redirect, url_for
from werkzeug.wrappers import Response

from ..domain import purposes
from ..domain.crypto import DecryptionError, FieldCipher, token_hash
from ..services import services

SHOWN_FOR = 300  # seconds a new secret waits for the page that shows it
CREATED, UPDATED, RESET = "created", "updated", "reset"  # why the secret is new


def key_of(sid: str) -> str:
    """The store key of the secret waiting for the session ``sid``."""
    return "adm:secret:" + token_hash(sid)


def _cipher(sid: str) -> FieldCipher:
    derived = hmac.digest(sid.encode(), purposes.ADMIN_SECRET_HANDOVER.encode(), hashlib.sha256)
    return FieldCipher({"s": base64.b64encode(derived).decode()}, "s")


def show_once(client_id: str, secret: str, why: str) -> Response:
    """The answer to the POST that made ``secret``: park it for this admin session (replacing
    one not taken yet) and send the browser to the page that takes it."""
    sid = g.admin_session.sid
    value = json.dumps({"client_id": client_id, "secret": secret, "why": why})
    sealed = _cipher(sid).encrypt(value, purposes.ADMIN_SECRET_HANDOVER)
    services().store.set(key_of(sid), sealed, ttl=SHOWN_FOR)
    return redirect(url_for("admin.subsystem_secret_shown"))


def take() -> dict[str, Any] | None:
    """The secret this admin session parked, once; None when there is none (taken, expired)."""
    sid = g.admin_session.sid
    sealed = services().store.pop(key_of(sid))
    if sealed is None:
        return None
    try:
        shown: dict[str, Any] = json.loads(
            _cipher(sid).decrypt(sealed, purposes.ADMIN_SECRET_HANDOVER)
        )
    except (DecryptionError, ValueError):
        return None
    return shown
