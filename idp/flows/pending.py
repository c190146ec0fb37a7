"""The sign-in record: one per sign-in, parked in the store under an id while its steps run.

It holds the validated authorization request (``params``, ``client_id``) when the sign-in
started at ``/authorize``; a sign-in at the personal center's own ``/login`` that needs a
supplementation has none (``has_request`` is False) and ends at the personal center or the
login page (S8). What the steps established is recorded in ``results``, one entry per step:
``{"login": {"user_id", "amr", "acr"}, "supplement": {...}, "agreement": {"version"},
"consent": {"scopes"}}`` (``flows.supplement`` owns the supplement entry).

It lives in the store with a TTL and is bound to the browser that started it through the
signed Flask session (``BROWSER_KEY``), so a link to someone else's sign-in is useless. The TTL
is ``protocol.interaction_ttl`` from its creation, or, while it holds a supplementation, the
longer of that and ``legacy.supplement_ttl`` from the legacy login (the request waits for the
supplementation it belongs to, S8).

Sealed with the field cipher, bound to the record id (D5): its personal parameters
(``PERSONAL``: ``login_hint``, which may be a mobile or an ID number) and the supplementation's
typed data. ``id_token_hint`` stays as sent: a token this IdP signed, naming only the random
``sub``. A value that no longer decrypts (its key left the keyring, or it was copied from
another record) is an expired record.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask import session as browser

from ..domain import purposes
from ..domain.crypto import DecryptionError, keyed_digest
from ..services import services

if TYPE_CHECKING:
    from ..domain.models import User

BROWSER_KEY = "interactions"
ORIGINS_KEY = "interaction_origins"  # interaction id -> origin of its redirect URI
MAX_PER_BROWSER = 8
PERSONAL = ("login_hint",)
SEALED = "sealed_params"
SUPPLEMENT = "supplement"  # the results entry whose "data" is sealed; it extends the TTL


@dataclass
class Interaction:
    id: str
    params: dict[str, Any]
    client_id: str | None
    created_at: int
    hint_sub: str | None = None
    results: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def has_request(self) -> bool:
        """False for a sign-in at the personal center's ``/login``: nothing to resume."""
        return self.client_id is not None

    @property
    def login_user_id(self) -> int | None:
        """Who the login step of this request signed in, if it is done."""
        user_id = self.results.get("login", {}).get("user_id")
        return user_id if isinstance(user_id, int) else None

    def logged_in(self, user: User) -> bool:
        """The login step of this request signed in ``user``: row id and subject both match
        (a record parked before a database restore that re-used ids names someone else)."""
        login = self.results.get("login", {})
        return bool(login.get("user_id") == user.id and login.get("sub") == user.sub)

    @property
    def prompts(self) -> set[str]:
        return set((self.params.get("prompt") or "").split())

    @property
    def scopes(self) -> set[str]:
        return set((self.params.get("scope") or "").split())


def room_for(ip: str) -> bool:
    """Whether ``ip`` may park one more authorization request this minute
    (``protocol.parked_per_ip_minute``, issue 11). Counted before anything is parked, under a
    keyed digest of the address (no address in the store)."""
    svc = services()
    limit = svc.settings.protocol.parked_per_ip_minute
    if not limit:
        return True
    who = keyed_digest(svc.settings.secrets.blind_index_key, f"park|{ip}", purposes.THROTTLE)
    return svc.store.incr(f"park-ip:{who}:{int(svc.clock.now() // 60)}", ttl=120) <= limit


def create(params: dict[str, Any], client_id: str, hint_sub: str | None) -> Interaction:
    """Park a validated authorization request for this browser."""
    return _start(params, client_id, hint_sub)


def create_sign_in() -> Interaction:
    """A sign-in record without an authorization request (the personal center's ``/login``)."""
    return _start({}, None, None)


def _start(params: dict[str, Any], client_id: str | None, hint_sub: str | None) -> Interaction:
    ia = Interaction(
        id=secrets.token_urlsafe(24),
        params=params,
        client_id=client_id,
        created_at=services().now(),
        hint_sub=hint_sub,
    )
    save(ia)
    ids = [i for i in browser.get(BROWSER_KEY, []) if i != ia.id][-(MAX_PER_BROWSER - 1) :]
    browser[BROWSER_KEY] = ids + [ia.id]
    origins = {i: o for i, o in browser.get(ORIGINS_KEY, {}).items() if i in ids}
    if "redirect_uri" in params:
        origins[ia.id] = origin(params["redirect_uri"])
    browser[ORIGINS_KEY] = origins
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


def _supplement_context(iid: str) -> str:
    return f"ia:{iid}:supplement"


def expires_at(ia: Interaction) -> int:
    """The end of the record: the request's TTL, or the supplementation's if that is later."""
    settings = services().settings
    end = ia.created_at + settings.protocol.interaction_ttl
    started = ia.results.get(SUPPLEMENT, {}).get("started_at")
    if isinstance(started, int):
        end = max(end, started + settings.legacy.supplement_ttl)
    return end


def save(ia: Interaction) -> None:
    cipher = services().cipher
    record = asdict(ia)
    personal = {k: record["params"].pop(k) for k in PERSONAL if k in record["params"]}
    if personal:
        record[SEALED] = cipher.encrypt(json.dumps(personal), _context(ia.id))
    part = record["results"].get(SUPPLEMENT)
    if part is not None:
        part["data"] = cipher.encrypt(
            json.dumps(part.get("data") or {}), _supplement_context(ia.id)
        )
    ttl = max(1, expires_at(ia) - services().now())
    services().store.set(f"ia:{ia.id}", json.dumps(record), ttl=ttl)


def _read(iid: str, raw: str) -> Interaction | None:
    cipher = services().cipher
    record = json.loads(raw)
    sealed = record.pop(SEALED, None)
    part = record.get("results", {}).get(SUPPLEMENT)
    try:
        if sealed is not None:
            record["params"].update(json.loads(cipher.decrypt(sealed, _context(iid))))
        if part is not None:
            part["data"] = json.loads(cipher.decrypt(part["data"], _supplement_context(iid)))
        return Interaction(**record)
    except (DecryptionError, ValueError, TypeError, KeyError):
        return None  # its key left the keyring, not this record's, or an older shape


def load(iid: str | None) -> Interaction | None:
    """The sign-in record, if it exists, has not expired and belongs to this browser."""
    if not iid or len(iid) > 64 or iid not in browser.get(BROWSER_KEY, []):
        return None
    raw = services().store.get(f"ia:{iid}")
    if raw is None:
        return None
    ia = _read(iid, raw)
    if ia is None or expires_at(ia) <= services().now():
        return None
    return ia


def mine() -> list[str]:
    """The ids of this browser's sign-in records, oldest first."""
    return list(browser.get(BROWSER_KEY, []))


def finish(ia: Interaction) -> None:
    services().store.delete(f"ia:{ia.id}", f"ia:{ia.id}:done")
    browser[BROWSER_KEY] = [i for i in browser.get(BROWSER_KEY, []) if i != ia.id]
    browser[ORIGINS_KEY] = {i: o for i, o in browser.get(ORIGINS_KEY, {}).items() if i != ia.id}


def forget_browser() -> None:
    """Sign-out: every sign-in this browser parked goes with it, its markers included."""
    for iid in browser.pop(BROWSER_KEY, []):
        services().store.delete(f"ia:{iid}", f"ia:{iid}:done")
    browser.pop(ORIGINS_KEY, None)
