"""Issued tokens: saving, finding and revoking (RFC 6749 §6, RFC 7009, RFC 9700 §4.14).

Refresh tokens rotate. Claiming a refresh token is one conditional UPDATE (``rotated_at IS
NULL``), so of two concurrent refreshes with the same token exactly one wins; presenting a
token that was already rotated is reuse and revokes the whole family. A family also has an
absolute lifetime, inherited by every rotated token, and so is the organisation a handler
signed in for (``acting_for_id``, R2). When a handler binding ends, the grants acting for the
organisation end with it (``revoke_acting_for``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, cast

from authlib.oauth2.rfc6749 import OAuth2Request
from sqlalchemy import CursorResult, Result, Update, select, text, update

from ..domain import transaction
from ..domain.crypto import token_hash
from ..domain.models import Client, Token, User
from ..domain.organisations import handlers
from ..extensions import db
from ..services import services

FAMILY_MARKER_TTL = 86400


def save_token(token: dict[str, Any], request: OAuth2Request) -> Token:
    svc = services()
    now = svc.now()
    code = getattr(request, "authorization_code", None)
    parent = getattr(request, "refresh_token", None)
    parent = getattr(parent, "row", parent)
    row = Token(
        client_id=request.client.get_client_id(),
        user_id=request.user.id if request.user else None,
        scope=token.get("scope", ""),
        issued_at=now,
        expires_at=now + int(token.get("expires_in", 0)),
        access_token_hash=token_hash(token["access_token"]),
    )
    if code is not None:
        row.family_id, row.auth_time, row.sid = code.family_id, code.auth_time, code.sid
        row.amr = " ".join(code.amr or []) or None
        row.acr = code.acr
        row.acting_for_id = (code.acting_for or {}).get("user_id")
        refresh_deadline = now + svc.settings.protocol.refresh_token_ttl
    elif parent is not None:
        row.family_id, row.auth_time, row.sid = parent.family_id, parent.auth_time, parent.sid
        row.amr, row.acr = parent.amr, parent.acr
        row.acting_for_id = parent.acting_for_id
        refresh_deadline = parent.refresh_expires_at
    else:
        row.family_id, refresh_deadline = secrets.token_hex(16), None
    if token.get("refresh_token"):
        row.refresh_token_hash = token_hash(token["refresh_token"])
        row.refresh_expires_at = refresh_deadline
    _relaxed_durability()
    db.session.add(row)
    db.session.flush()
    if (code is not None or parent is not None) and svc.store.get(
        f"family-revoked:{row.family_id}"
    ):
        revoke_family(row.family_id)
    elif (
        code is not None
        and row.acting_for_id is not None
        and not (row.user_id is not None and handlers.acts_for(row.user_id, row.acting_for_id))
    ):
        revoke_family(row.family_id)  # the binding ended while the code was in flight (R2)
    elif code is not None or parent is not None:
        transaction.after_commit(lambda: _revoke_if_marked(row.family_id))
    return row


def _revoke_if_marked(family_id: str) -> None:
    """After the new token's commit: a ``revoke_family`` whose UPDATE ran while the row was
    not committed yet could not see it, but its marker is set, so revoke the family again, on
    a connection of its own (the session's transaction has ended)."""
    if not services().store.get(f"family-revoked:{family_id}"):
        return
    with db.engine.begin() as conn:
        conn.execute(_revoke_statement(family_id, services().now()))


def _revoke_statement(family_id: str, now: int) -> Update:
    """The one UPDATE that revokes a family's live tokens."""
    return (
        update(Token)
        .where(Token.family_id == family_id, Token.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def _relaxed_durability() -> None:
    """Issuing a token need not wait for the WAL flush (PostgreSQL ``synchronous_commit``).

    A crash can lose at most the last fraction of a second of issued tokens; their clients get
    ``invalid_token`` / ``invalid_grant`` and sign in again. A refresh's rotation claim
    commits with its new token, so the two are lost together or not at all; a revocation in the
    same transaction switches full durability back on (``_full_durability``). This halves the
    latency of the token endpoint's hot path.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def _full_durability() -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL synchronous_commit TO ON"))


def revoke_family(family_id: str) -> int:
    """Revoke every token of a family, including one a concurrent request is saving right now:
    the store marker is set before the UPDATE and ``save_token`` checks it after its INSERT, so
    whichever order the two take, the new row ends up revoked."""
    services().store.set(f"family-revoked:{family_id}", "1", ttl=FAMILY_MARKER_TTL)
    now = services().now()
    _full_durability()
    result = _rows(db.session.execute(_revoke_statement(family_id, now)))
    return result.rowcount


def revoke_for_user(user_id: int, client_id: str | None = None) -> int:
    """Every grant of the user (of one client when given), family by family through
    ``revoke_family``; returns the number of families."""
    cond = [Token.user_id == user_id]
    if client_id:
        cond.append(Token.client_id == client_id)
    return _revoke_families(*cond)


def revoke_for_client(client_id: str) -> int:
    """R1: every grant of a disabled client, through ``revoke_family``."""
    return _revoke_families(Token.client_id == client_id)


def _revoke_families(*cond: Any) -> int:
    families = list(
        db.session.scalars(
            select(Token.family_id).where(*cond, Token.revoked_at.is_(None)).distinct()
        )
    )
    for family_id in families:
        revoke_family(family_id)
    return len(families)


def revoke_acting_for(org_user_id: int, handler_id: int | None = None) -> int:
    """R2/P3: revoke every grant acting for the organisation account ``org_user_id`` — only
    ``handler_id``'s when one handler was unbound, every handler's when all bindings ended (P6
    change to agency, P4 deactivation). Whole families, through ``revoke_family``, so a refresh
    racing with this cannot leave a live token behind. Returns the number of families."""
    query = (
        select(Token.family_id)
        .where(Token.acting_for_id == org_user_id, Token.revoked_at.is_(None))
        .distinct()
    )
    if handler_id is not None:
        query = query.where(Token.user_id == handler_id)
    families = list(db.session.scalars(query))
    for family_id in families:
        revoke_family(family_id)
    return len(families)


def claim_refresh_token(value: str, client_id: str) -> Token | None:
    """Atomically mark a refresh token used; on reuse revoke its family. None = invalid_grant.
    The revocation stands although the request answers with an error (``transaction.keep``;
    RFC 9700 §4.14.2)."""
    svc = services()
    now = svc.now()
    digest = token_hash(value)
    claimed = _rows(
        db.session.execute(
            update(Token)
            .where(
                Token.refresh_token_hash == digest,
                Token.client_id == client_id,
                Token.rotated_at.is_(None),
                Token.revoked_at.is_(None),
                Token.refresh_expires_at > now,
            )
            .values(rotated_at=now)
        )
    )
    row: Token | None = db.session.scalar(select(Token).where(Token.refresh_token_hash == digest))
    if claimed.rowcount != 1 or row is None:
        if row is not None and row.client_id == client_id and row.rotated_at is not None:
            revoke_family(row.family_id)
            transaction.keep()
        return None
    if row.user is not None and not row.user.active:
        return None
    return row


def _rows(result: Result[Any]) -> CursorResult[Any]:
    """An UPDATE's result, whose ``rowcount`` says how many rows it changed."""
    return cast(CursorResult[Any], result)


def grant_scope(family_id: str) -> str:
    """The scope granted to a family: its first token's. A refresh token keeps it through
    rotation even when the client asked for a narrower access token (RFC 6749 §6)."""
    scope: str | None = db.session.scalar(
        select(Token.scope).where(Token.family_id == family_id).order_by(Token.id).limit(1)
    )
    return scope or ""


@dataclass
class TokenRef:
    """An access or refresh token found by its value, as Authlib's endpoints expect."""

    row: Token
    kind: str  # "access_token" | "refresh_token"

    def check_client(self, client: Client) -> bool:
        same_client: bool = self.row.client_id == client.get_client_id()
        return same_client

    def get_scope(self) -> str:
        if self.kind == "refresh_token":
            return grant_scope(self.row.family_id)
        return self.row.scope

    def get_user(self) -> User | None:
        user: User | None = self.row.user
        return user

    def expires_at(self) -> int:
        if self.kind == "refresh_token":
            return self.row.refresh_expires_at or 0
        return self.row.expires_at

    def is_expired(self) -> bool:
        return self.expires_at() <= services().now()

    def is_revoked(self) -> bool:
        if self.row.revoked_at is not None:
            return True
        return self.kind == "refresh_token" and self.row.rotated_at is not None

    def is_active(self) -> bool:
        user = self.row.user
        return not (
            self.is_expired() or self.is_revoked() or (user is not None and not user.active)
        )


def find(value: str, hint: str | None = None) -> TokenRef | None:
    if not value or len(value) > 512:
        return None
    digest = token_hash(value)
    order = (
        ["refresh_token", "access_token"]
        if hint == "refresh_token"
        else ["access_token", "refresh_token"]
    )
    for kind in order:
        column = Token.access_token_hash if kind == "access_token" else Token.refresh_token_hash
        row = db.session.scalar(select(Token).where(column == digest))
        if row is not None:
            return TokenRef(row, kind)
    return None


def revoke(ref: TokenRef) -> None:
    """RFC 7009 §2.1: revoking a refresh token ends its whole grant; an access token just itself."""
    if ref.kind == "refresh_token":
        revoke_family(ref.row.family_id)
    else:
        ref.row.expires_at = min(ref.row.expires_at, services().now())
        db.session.flush()
