"""A legacy login waiting for its supplementation (S1, S8): the ``supplement`` entry of its
sign-in record (``pending``).

A legacy password that matched for an unlinked legacy account proves who is at the keyboard,
but there is no user yet: the browser is *not* signed in (architecture.md, "The interaction
record"). The entry remembers the legacy account, its ``kind`` (one page per kind: natural,
legal, agency), when the legacy login happened, the flow id its codes are bound to, what was
typed so far (``data``: never passwords or codes; sealed by ``pending`` with the field cipher,
bound to the record id, D5) and the destinations already proven by code (``verified``). A login
at the personal center's ``/login`` gets a sign-in record without a request; one inside a
sign-in keeps its state in that sign-in's record.

When the account has been created the entry is marked done with the user id under its own key
(``ia:<id>:done``), so a parallel request saving typed data cannot undo it, and a second submit
continues instead of creating anything twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..domain.models.legacy import AGENCY, LEGAL, NATURAL, SIMPLE
from ..services import services
from . import pending
from .pending import SUPPLEMENT, Interaction

KIND_OF = {NATURAL: NATURAL, SIMPLE: NATURAL, LEGAL: LEGAL, AGENCY: AGENCY}


@dataclass
class Supplement:
    """The supplementation of one sign-in: ``id`` is its record's (the page's URL)."""

    sign_in: Interaction
    legacy_id: int
    kind: str
    started_at: int
    flow_id: str
    data: dict[str, Any] = field(default_factory=dict)
    verified: dict[str, Any] = field(default_factory=dict)
    user_id: int | None = None

    @property
    def id(self) -> str:
        return self.sign_in.id

    @property
    def request(self) -> Interaction | None:
        """The authorization request this supplementation holds up, if there is one."""
        return self.sign_in if self.sign_in.has_request else None

    @property
    def done(self) -> bool:
        return self.user_id is not None


def _ttl() -> int:
    return services().settings.legacy.supplement_ttl


def start(legacy_id: int, legacy_kind: str, ia: Interaction | None) -> Supplement:
    """Park the supplementation in the sign-in ``ia``, or in a new sign-in record without a
    request (the personal center's ``/login``)."""
    sign_in = ia if ia is not None else pending.create_sign_in()
    flow = Supplement(
        sign_in=sign_in,
        legacy_id=legacy_id,
        kind=KIND_OF.get(legacy_kind, NATURAL),
        started_at=services().now(),
        flow_id=sign_in.id,
    )
    save(flow)
    return flow


def _of(ia: Interaction) -> Supplement | None:
    part = ia.results.get(SUPPLEMENT)
    if not isinstance(part, dict):
        return None
    try:
        flow = Supplement(sign_in=ia, **part)
    except TypeError:
        return None
    if flow.started_at + _ttl() <= services().now():
        return None
    done = services().store.get(f"ia:{ia.id}:done")
    flow.user_id = int(done) if done is not None else None
    return flow


def save(flow: Supplement) -> None:
    flow.sign_in.results[SUPPLEMENT] = {
        "legacy_id": flow.legacy_id,
        "kind": flow.kind,
        "started_at": flow.started_at,
        "flow_id": flow.flow_id,
        "data": flow.data,
        "verified": flow.verified,
    }
    pending.save(flow.sign_in)


def load(sid: str | None) -> Supplement | None:
    """The supplementation of this browser's sign-in ``sid``, if it has one that has not
    expired."""
    ia = pending.load(sid)
    return _of(ia) if ia is not None else None


def mark_done(flow: Supplement, user_id: int) -> None:
    flow.user_id = user_id
    ttl = max(1, pending.expires_at(flow.sign_in) - services().now())
    services().store.set(f"ia:{flow.id}:done", str(user_id), ttl=ttl)


def current() -> Supplement | None:
    """This browser's newest supplementation still waiting to be completed."""
    for sid in reversed(pending.mine()):
        flow = load(sid)
        if flow is not None and not flow.done:
            return flow
    return None


def pending_for(ia: Interaction) -> Supplement | None:
    """The supplementation that keeps this sign-in's login in progress (S1, S8): its own, else
    any other still waiting in this browser (a login is in progress here: no silent sign-in,
    ``prompt=none`` gets ``interaction_required``)."""
    if ia.login_user_id is not None:
        return None
    flow = _of(ia)
    if flow is not None and not flow.done:
        return flow
    return current()


def attach(flow: Supplement, ia: Interaction) -> Supplement:
    """Continue ``flow`` (begun in another sign-in of this browser) in the sign-in ``ia``: its
    state moves into ``ia``'s record, whose completion then resumes that request (S8)."""
    moved = Supplement(
        sign_in=ia,
        legacy_id=flow.legacy_id,
        kind=flow.kind,
        started_at=flow.started_at,
        flow_id=flow.flow_id,
        data=flow.data,
        verified=flow.verified,
    )
    save(moved)
    finish(flow)
    return moved


def finish(flow: Supplement) -> None:
    """The supplementation is over (cancelled, moved, or ended without a sign-in): a record
    without a request goes; a request keeps its record without the supplementation."""
    if not flow.sign_in.has_request:
        pending.finish(flow.sign_in)
        return
    flow.sign_in.results.pop(SUPPLEMENT, None)
    services().store.delete(f"ia:{flow.id}:done")
    pending.save(flow.sign_in)


def abandon_pending() -> None:
    """A login that completed in this browser supersedes its legacy logins still waiting for
    supplementation: they no longer hold up its sign-ins."""
    for sid in pending.mine():
        flow = load(sid)
        if flow is not None and not flow.done:
            finish(flow)
