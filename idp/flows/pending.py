"""A validated authorization request parked under an interaction id while steps run.

Results of the steps (who logged in, how, whether consent was given) are recorded on it. It
lives in the store with a TTL (``protocol.interaction_ttl``) and is bound to the browser that
started it through the signed Flask session, so a link to someone else's interaction is useless.

Its personal parameters (``PERSONAL``: ``login_hint``, which may be a mobile or an ID number) are
parked encrypted under the field keys, bound to the interaction id, as supplementation data is
(D5). ``id_token_hint`` stays as sent: a token this IdP signed, naming only the random ``sub``.
"""
from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask import session as browser

from ..domain.crypto import DecryptionError
from ..services import services

BROWSER_KEY = "interactions"
ORIGINS_KEY = "interaction_origins"  # interaction id -> origin of its redirect URI
MAX_PER_BROWSER = 8
PERSONAL = ("login_hint",)
SEALED = "sealed_params"


@dataclass
class Interaction:
    id: str
    params: dict[str, Any]
    client_id: str
    created_at: int
    hint_sub: str | None = None
    user_id: int | None = None
    login_done: bool = False
    consent_done: bool = False
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def prompts(self) -> set[str]:
        return set((self.params.get("prompt") or "").split())

    @property
    def scopes(self) -> set[str]:
        return set((self.params.get("scope") or "").split())


def create(params: dict[str, Any], client_id: str, hint_sub: str | None) -> Interaction:
    ia = Interaction(id=secrets.token_urlsafe(24), params=params, client_id=client_id,
                     created_at=services().now(), hint_sub=hint_sub)
    save(ia)
    ids = [i for i in browser.get(BROWSER_KEY, []) if i != ia.id][-(MAX_PER_BROWSER - 1):]
    browser[BROWSER_KEY] = ids + [ia.id]
    origins = {i: o for i, o in browser.get(ORIGINS_KEY, {}).items() if i in ids}
    browser[ORIGINS_KEY] = {**origins, ia.id: origin(params["redirect_uri"])}
    return ia


def origin(uri: str) -> str:
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else f"{parts.scheme}:"


def redirect_origins() -> set[str]:
    """Where this browser's live interactions may send it back: a form of the interaction
    pages ends in a redirect there, which CSP ``form-action`` must allow."""
    live = set(browser.get(BROWSER_KEY, []))
    return {o for i, o in browser.get(ORIGINS_KEY, {}).items() if i in live}


def _context(iid: str) -> str:
    return f"ia:{iid}"


def save(ia: Interaction) -> None:
    ttl = services().settings.protocol.interaction_ttl
    record = asdict(ia)
    personal = {k: record["params"].pop(k) for k in PERSONAL if k in record["params"]}
    if personal:
        record[SEALED] = services().cipher.encrypt(json.dumps(personal), _context(ia.id))
    services().store.set(f"ia:{ia.id}", json.dumps(record), ttl=ttl)


def _read(iid: str, raw: str) -> Interaction | None:
    record = json.loads(raw)
    sealed = record.pop(SEALED, None)
    if sealed is not None:
        try:
            record["params"].update(json.loads(services().cipher.decrypt(sealed, _context(iid))))
        except (DecryptionError, ValueError):  # its key left the keyring: start again
            return None
    return Interaction(**record)


def load(iid: str) -> Interaction | None:
    """The interaction, if it exists, has not expired and belongs to this browser."""
    if not iid or len(iid) > 64 or iid not in browser.get(BROWSER_KEY, []):
        return None
    raw = services().store.get(f"ia:{iid}")
    if raw is None:
        return None
    ia = _read(iid, raw)
    ttl = services().settings.protocol.interaction_ttl
    if ia is None or ia.created_at + ttl <= services().now():
        return None
    return ia


def finish(ia: Interaction) -> None:
    services().store.delete(f"ia:{ia.id}")
    browser[BROWSER_KEY] = [i for i in browser.get(BROWSER_KEY, []) if i != ia.id]
    browser[ORIGINS_KEY] = {i: o for i, o in browser.get(ORIGINS_KEY, {}).items() if i != ia.id}


def forget_browser() -> None:
    """Sign-out: every authorization request this browser parked goes with it."""
    for iid in browser.pop(BROWSER_KEY, []):
        services().store.delete(f"ia:{iid}")
