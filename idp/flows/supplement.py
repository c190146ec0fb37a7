"""A legacy login waiting for its supplementation (S1, S8), parked in the store.

A legacy password that matched for an unlinked legacy account proves who is at the keyboard,
but there is no user yet: the browser is *not* signed in (architecture.md, step 5). The flow
remembers the legacy account, its ``kind`` (one page module per kind: natural now, legal and
agency later), the interaction it belongs to (None when the login came from the personal
center's ``/login``), what was typed so far (never passwords or codes) and the destinations
already proven by code. It lives under ``supp:<id>`` with the TTL ``legacy.supplement_ttl`` and
is bound to the browser through the signed Flask session, like ``pending``.

What was typed (``data``: names, document numbers, USCCs, the representative's document number,
mobiles, emails) is stored encrypted like the database's identity columns (D5): the field cipher
(AES-256-GCM, the keyring of ``secrets``) over the whole JSON, bound to the flow's key, so a
Redis dump or a replica holds no readable identity and one flow's data cannot be moved into
another. A value that no longer decrypts (its key left the keyring) is an expired flow.

When the account has been created the flow is marked done with the user id (under its own key,
``supp:<id>:done``, so a parallel request saving typed data cannot undo it), and a second submit
continues instead of creating anything twice.
"""
from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any

from flask import session as browser

from ..domain.crypto import DecryptionError
from ..domain.models.legacy import AGENCY, LEGAL, NATURAL, SIMPLE
from ..services import services
from . import pending
from .pending import Interaction

BROWSER_KEY = "supplements"
MAX_PER_BROWSER = 4
KIND_OF = {NATURAL: NATURAL, SIMPLE: NATURAL, LEGAL: LEGAL, AGENCY: AGENCY}


@dataclass
class Supplement:
    id: str
    legacy_id: int
    kind: str
    interaction_id: str | None
    created_at: int
    data: dict[str, Any] = field(default_factory=dict)
    verified: dict[str, Any] = field(default_factory=dict)
    user_id: int | None = None

    @property
    def done(self) -> bool:
        return self.user_id is not None


def _ttl() -> int:
    return services().settings.legacy.supplement_ttl


def start(legacy_id: int, legacy_kind: str, interaction_id: str | None) -> Supplement:
    flow = Supplement(id=secrets.token_urlsafe(24), legacy_id=legacy_id,
                      kind=KIND_OF.get(legacy_kind, NATURAL), interaction_id=interaction_id,
                      created_at=services().now())
    save(flow)
    ids = [i for i in browser.get(BROWSER_KEY, []) if i != flow.id][-(MAX_PER_BROWSER - 1):]
    browser[BROWSER_KEY] = ids + [flow.id]
    return flow


def _context(sid: str) -> str:
    return f"supp:{sid}"


def save(flow: Supplement) -> None:
    record = asdict(flow)
    record["data"] = services().cipher.encrypt(json.dumps(flow.data), _context(flow.id))
    services().store.set(f"supp:{flow.id}", json.dumps(record), ttl=_ttl())


def _read(sid: str, raw: str) -> Supplement | None:
    record = json.loads(raw)
    if not isinstance(record.get("data"), str):  # parked in plain text by an older version
        return None
    try:
        record["data"] = json.loads(services().cipher.decrypt(record["data"], _context(sid)))
    except (DecryptionError, ValueError):  # not this flow's, or its key left the keyring
        return None
    return Supplement(**record)


def load(sid: str | None) -> Supplement | None:
    """The flow, if it exists, has not expired and belongs to this browser."""
    if not sid or len(sid) > 64 or sid not in browser.get(BROWSER_KEY, []):
        return None
    raw = services().store.get(f"supp:{sid}")
    flow = _read(sid, raw) if raw is not None else None
    if flow is None or flow.created_at + _ttl() <= services().now():
        return None
    done = services().store.get(f"supp:{sid}:done")
    flow.user_id = int(done) if done is not None else None
    return flow


def mark_done(flow: Supplement, user_id: int) -> None:
    flow.user_id = user_id
    services().store.set(f"supp:{flow.id}:done", str(user_id), ttl=_ttl())


def current() -> Supplement | None:
    """This browser's newest supplementation still waiting to be completed."""
    for sid in reversed(browser.get(BROWSER_KEY, [])):
        flow = load(sid)
        if flow is not None and not flow.done:
            return flow
    return None


def pending_for(ia: Interaction) -> Supplement | None:
    """The supplementation that keeps this interaction's login in progress (S1, S8): the one
    started from it, else any other still waiting in this browser (a login is in progress here:
    no silent sign-in, ``prompt=none`` gets ``interaction_required``)."""
    if ia.login_done:
        return None
    flow = load(ia.data.get("supplement"))
    if flow is not None and not flow.done:
        return flow
    return current()


def attach(flow: Supplement, ia: Interaction) -> None:
    """Continue ``flow`` for the interaction ``ia``: completion resumes that request (S8)."""
    flow.interaction_id = ia.id
    save(flow)
    ia.data["supplement"] = flow.id
    pending.save(ia)


def finish(flow: Supplement) -> None:
    services().store.delete(f"supp:{flow.id}")
    services().store.delete(f"supp:{flow.id}:done")
    browser[BROWSER_KEY] = [i for i in browser.get(BROWSER_KEY, []) if i != flow.id]


def abandon_pending() -> None:
    """A login that completed in this browser supersedes its legacy logins still waiting for
    supplementation: they no longer hold up its sign-ins."""
    for sid in list(browser.get(BROWSER_KEY, [])):
        flow = load(sid)
        if flow is None or not flow.done:
            services().store.delete(f"supp:{sid}")
            browser[BROWSER_KEY] = [i for i in browser.get(BROWSER_KEY, []) if i != sid]


def forget_browser() -> None:
    """Sign-out: every supplementation this browser parked goes, done or not."""
    for sid in browser.pop(BROWSER_KEY, []):
        services().store.delete(f"supp:{sid}", f"supp:{sid}:done")
