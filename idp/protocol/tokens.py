"""Issued tokens: saving, finding and revoking (RFC 6749 §6, RFC 7009, RFC 9700 §4.14).

Refresh tokens rotate. Claiming a refresh token is one conditional UPDATE (``rotated_at IS
NULL``), so of two concurrent refreshes with the same token exactly one wins; presenting a
token that was already rotated is reuse and revokes the whole family. A family also has an
absolute lifetime, inherited by every rotated token, and so is the organisation a handler
signed in for (``acting_for_id``, R2). When a handler binding ends, the grants acting for the
organisation end with it (``revoke_acting_for``).

Retries (issue 11). The tokens of a code exchange and of a refresh are not random: they are
derived from the code or the refresh token presented (``derive``: a keyed HMAC under the
shared ``secrets.client_secret_pepper``, one purpose per kind), so every instance computes the
same values for the same presentation. A client whose response was lost after the commit (a
cut connection, a 503 from a fault after the rotation) presents the same token again; within
``protocol.retry_grace`` seconds of the rotation, by the same client, while the successor is
neither revoked nor used itself, it gets that successor back and nothing new is inserted
(``claim_refresh_token``, ``save_token``). RFC 9700 §4.14.2 allows exactly this. Anything else
stays reuse. The rotation and the successor commit together in the request's one transaction;
the only store read after the commit (``_revoke_if_marked``) is an after-commit job, whose
failure is logged and never turns the committed answer into an error.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass
from typing import Any, cast

from authlib.oauth2.rfc6749 import InvalidGrantError, OAuth2Request
from sqlalchemy import CursorResult, Insert, Result, Update, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from ..domain import purposes, trail, transaction
from ..domain.crypto import token_hash
from ..domain.models import Client, Token, User
from ..domain.organisations import handlers
from ..extensions import db
from ..services import services

FAMILY_MARKER_TTL = 86400


# derived tokens look like Authlib's random ones (server._token_generator: generate_token(48))
TOKEN_LENGTH = 48
_ALPHABET = string.ascii_letters + string.digits
CODE = (purposes.CODE_ACCESS, purposes.CODE_REFRESH)
REFRESH = (purposes.SUCCESSOR_ACCESS, purposes.SUCCESSOR_REFRESH)


def derived(value: str, purpose: str) -> str:
    """The token that ``value`` (a code or a refresh token) stands for under ``purpose``: 48
    letters and digits from HMAC-SHA-512 under the shared pepper (512 bits, more than the 286
    of 48 such characters). Without the pepper nobody can compute it from ``value``."""
    key = services().settings.secrets.client_secret_pepper.encode()
    mac = hmac.new(key, purpose.encode() + b"\x00" + value.encode(), hashlib.sha512).digest()
    number = int.from_bytes(mac, "big")
    chars = []
    for _ in range(TOKEN_LENGTH):
        number, digit = divmod(number, len(_ALPHABET))
        chars.append(_ALPHABET[digit])
    return "".join(chars)


def derive(token: dict[str, Any], value: str, kind: tuple[str, str]) -> dict[str, Any]:
    """Replace the random values of a generated ``token`` by those derived from ``value``
    (``CODE`` or ``REFRESH``): a retry of the same presentation computes the same tokens."""
    access, refresh = kind
    token["access_token"] = derived(value, access)
    if token.get("refresh_token"):
        token["refresh_token"] = derived(value, refresh)
    return token


def save_token(token: dict[str, Any], request: OAuth2Request) -> Token:
    """Insert the token row, or answer a retry with the row already issued for it.

    A refresh retried within the grace carries its successor (``TokenRef.successor``): it is
    sent again, nothing is inserted. Otherwise the INSERT skips a row whose derived values
    exist already (``ON CONFLICT DO NOTHING``): a code presented again while, or after, its
    first exchange committed — the two requests need no other coordination, and neither fails
    on the unique index. The existing row is then sent again if still unused, else it is reuse.
    """
    svc = services()
    now = svc.now()
    code = getattr(request, "authorization_code", None)
    presented = getattr(request, "refresh_token", None)
    successor = getattr(presented, "successor", None)
    if successor is not None:
        return _send_again(token, successor)
    parent = getattr(presented, "row", presented)
    values: dict[str, Any] = dict(
        client_id=request.client.get_client_id(),
        user_id=request.user.id if request.user else None,
        scope=token.get("scope", ""),
        issued_at=now,
        expires_at=now + int(token.get("expires_in", 0)),
        access_token_hash=token_hash(token["access_token"]),
    )
    if code is not None:
        values.update(
            family_id=code.family_id,
            auth_time=code.auth_time,
            sid=code.sid,
            amr=" ".join(code.amr or []) or None,
            acr=code.acr,
            acting_for_id=(code.acting_for or {}).get("user_id"),
        )
        refresh_deadline = now + svc.settings.protocol.refresh_token_ttl
    elif parent is not None:
        values.update(
            family_id=parent.family_id,
            auth_time=parent.auth_time,
            sid=parent.sid,
            amr=parent.amr,
            acr=parent.acr,
            acting_for_id=parent.acting_for_id,
        )
        refresh_deadline = parent.refresh_expires_at
    else:
        values["family_id"], refresh_deadline = secrets.token_hex(16), None
    if token.get("refresh_token"):
        values["refresh_token_hash"] = token_hash(token["refresh_token"])
        values["refresh_expires_at"] = refresh_deadline
    _relaxed_durability()
    row = db.session.scalars(_insert_new(values).returning(Token)).first()
    if row is None:
        return _send_again(token, _issued(values))
    if (code is not None or parent is not None) and svc.store.get(
        f"family-revoked:{row.family_id}"
    ):
        revoke_family(row.family_id, "revoked_meanwhile")
    elif (
        code is not None
        and row.acting_for_id is not None
        and not (row.user_id is not None and handlers.acts_for(row.user_id, row.acting_for_id))
    ):
        revoke_family(row.family_id, "binding_ended")  # ended while the code was in flight (R2)
    elif code is not None or parent is not None:
        family_id = row.family_id
        transaction.after_commit(lambda: _revoke_if_marked(family_id))
    return row


def _insert_new(values: dict[str, Any]) -> Insert:
    """INSERT the row unless one with the same token values exists (either unique hash)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(Token).values(**values).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(Token).values(**values).on_conflict_do_nothing()
    raise NotImplementedError(f"no INSERT ... ON CONFLICT for {dialect}")  # pragma: no cover


def _issued(values: dict[str, Any]) -> Token | None:
    """The row that holds the token values of ``values`` already."""
    match = Token.access_token_hash == values["access_token_hash"]
    if values.get("refresh_token_hash"):
        match = or_(match, Token.refresh_token_hash == values["refresh_token_hash"])
    row: Token | None = db.session.scalar(select(Token).where(match))
    return row


def unused(row: Token) -> bool:
    """A row a retry may be given again: not revoked, and its refresh token (when it has one)
    not rotated yet. Once the client used what it was given, a second presentation of what
    it came from is reuse (RFC 9700 §4.14.2)."""
    return row.revoked_at is None and (row.refresh_token_hash is None or row.rotated_at is None)


def _send_again(token: dict[str, Any], row: Token | None) -> Token:
    """Answer with the tokens of ``row``, which were derived exactly as ``token`` was, with
    the lifetime they have left; or, when the client used them already, treat the
    presentation as reuse: revoke the family, the revocation standing although the answer is
    ``invalid_grant``."""
    if row is None or row.access_token_hash != token_hash(token["access_token"]):
        raise InvalidGrantError("The grant was used already.")  # pragma: no cover (a collision)
    if not unused(row):
        revoke_family(row.family_id, "reuse")
        transaction.keep()
        raise InvalidGrantError("The grant was used already.")
    token["expires_in"] = max(0, row.expires_at - services().now())
    token["scope"] = row.scope
    if row.refresh_token_hash is None:
        token.pop("refresh_token", None)
    elif token_hash(token.get("refresh_token") or "") != row.refresh_token_hash:
        raise InvalidGrantError("The grant was used already.")  # pragma: no cover (as above)
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


def revoke_family(family_id: str, reason: str) -> int:
    """Revoke every token of a family, including one a concurrent request is saving right now:
    the store marker is set before the UPDATE and ``save_token`` checks it after its INSERT, so
    whichever order the two take, the new row ends up revoked. The audit trail records it with
    its ``reason`` (reuse, binding_ended, client_disabled, …) and the family's user and client.
    """
    services().store.set(f"family-revoked:{family_id}", "1", ttl=FAMILY_MARKER_TTL)
    now = services().now()
    _full_durability()
    rows = db.session.execute(
        _revoke_statement(family_id, now).returning(Token.user_id, Token.client_id)
    ).all()
    user_id, client_id = (rows[0].user_id, rows[0].client_id) if rows else (None, None)
    trail.record(
        trail.TOKENS_REVOKED,
        subject=user_id,
        client=client_id,
        reason=reason,
        family=family_id,
        tokens=len(rows),
    )
    return len(rows)


def revoke_for_user(user_id: int, client_id: str | None = None, *, reason: str) -> int:
    """Every grant of the user (of one client when given), family by family through
    ``revoke_family``; returns the number of families."""
    cond = [Token.user_id == user_id]
    if client_id:
        cond.append(Token.client_id == client_id)
    return _revoke_families(*cond, reason=reason)


def revoke_for_client(client_id: str) -> int:
    """R1: every grant of a disabled client, through ``revoke_family``."""
    return _revoke_families(Token.client_id == client_id, reason="client_disabled")


def _revoke_families(*cond: Any, reason: str) -> int:
    families = list(
        db.session.scalars(
            select(Token.family_id).where(*cond, Token.revoked_at.is_(None)).distinct()
        )
    )
    for family_id in families:
        revoke_family(family_id, reason)
    return len(families)


def revoke_acting_for(org_user_id: int, handler_id: int | None = None, *, reason: str) -> int:
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
        revoke_family(family_id, reason)
    return len(families)


def claim_refresh_token(value: str, client_id: str) -> TokenRef | None:
    """Atomically mark a refresh token used. None = invalid_grant.

    Presented again after its rotation by the same client, it is a retry when the rotation
    is less than ``protocol.retry_grace`` seconds old, the family is not revoked and its
    successor (found by the value derived from ``value``) is neither revoked nor used: the
    answer carries that successor (``TokenRef.successor``) and nothing is written. Anything
    else is reuse and revokes the family; the revocation stands although the request answers
    with an error (``transaction.keep``; RFC 9700 §4.14.2). Presented by another client it is
    only refused: that client cannot have been issued it.

    On PostgreSQL a concurrent presentation waits for the winner's row lock and then sees its
    committed rotation and successor, so parallel presentations all get the one successor.
    """
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
        if row is None or row.client_id != client_id or row.rotated_at is None:
            return None
        successor = _retry_successor(row, value, now)
        if successor is None:
            revoke_family(row.family_id, "reuse")
            transaction.keep()
            return None
        if row.user is not None and not row.user.active:
            return None
        return TokenRef(row, "refresh_token", successor)
    if row.user is not None and not row.user.active:
        return None
    return TokenRef(row, "refresh_token")


def _retry_successor(row: Token, value: str, now: int) -> Token | None:
    """The successor of the rotated ``row`` when presenting ``value`` again is a retry."""
    assert row.rotated_at is not None  # the caller's condition
    grace = services().settings.protocol.retry_grace
    if row.revoked_at is not None or now - row.rotated_at >= grace:
        return None
    successor: Token | None = db.session.scalar(
        select(Token).where(
            Token.refresh_token_hash == token_hash(derived(value, purposes.SUCCESSOR_REFRESH))
        )
    )
    if (
        successor is None
        or successor.family_id != row.family_id
        or not unused(successor)
        or (successor.refresh_expires_at or 0) <= now  # the family's lifetime ended meanwhile
    ):
        return None
    return successor


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
    # a refresh token presented again within the retry grace: the successor it gets again
    successor: Token | None = None

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
        revoke_family(ref.row.family_id, "revoked_by_client")
    else:
        ref.row.expires_at = min(ref.row.expires_at, services().now())
        db.session.flush()
