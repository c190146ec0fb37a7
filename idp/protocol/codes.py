"""Authorization codes, kept in the store (RFC 6749 §4.1.2, RFC 9700 §4.2.1).

A code is stored under the SHA-256 of its value and taken with an atomic ``pop``, so two
concurrent redemptions cannot both succeed. Taking it leaves a *used marker* holding the code's
data and when it was taken; a later presentation of the same code finds the marker and is a
*replay* (``Used``). The grant decides what a replay gets (``grants.AuthorizationCodeGrant``):
within ``protocol.retry_grace`` of the take, from the same client with a matching PKCE
verifier, the tokens of that exchange (issue 11: a response lost to a fault is retried, not
"reused"); otherwise the family the code produced is revoked. A presentation that was answered
with a refusal (wrong verifier, redirect URI or client) spends the code for good (``refuse``).
Validity (60 s by default) is checked against the clock, the store TTL only cleans up.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any

from ..domain.crypto import token_hash
from ..services import services

USED_MARKER_TTL = 86400


@dataclass
class AuthorizationCode:
    client_id: str
    user_id: int
    redirect_uri: str
    scope: str
    issued_at: int
    auth_time: int
    family_id: str = field(default_factory=lambda: secrets.token_hex(16))
    nonce: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    sid: str | None = None
    amr: list[str] | None = None
    acr: str | None = None
    # a handler sign-in's organisation (R2); reaches the ID token of this code's exchange only
    acting_for: dict[str, Any] | None = None

    # --- Authlib AuthorizationCodeMixin ---------------------------------------------------
    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> str | None:
        return self.acr

    def get_amr(self) -> list[str] | None:
        return self.amr


def save(code: str, data: AuthorizationCode) -> None:
    ttl = services().settings.protocol.code_ttl
    services().store.set(f"code:{token_hash(code)}", json.dumps(asdict(data)), ttl=ttl + 5)


def challenge_in_use(client_id: str, challenge: str) -> bool:
    """Whether a code bound to ``challenge`` was issued to this client within the code lifetime."""
    return services().store.get(_challenge_key(client_id, challenge)) is not None


def claim_challenge(client_id: str, challenge: str) -> bool:
    """Reserve ``challenge`` for one code of this client (atomic set-if-absent, so two
    instances issuing codes at once cannot both bind it). RFC 7636 §4.1 asks for a fresh
    verifier per request; a challenge seen twice is a replayed or injected request."""
    ttl = services().settings.protocol.code_ttl + 5
    claimed: bool = services().store.set(
        _challenge_key(client_id, challenge), "1", ttl=ttl, nx=True
    )
    return claimed


def _challenge_key(client_id: str, challenge: str) -> str:
    return f"pkce:{client_id}:{token_hash(challenge)}"


@dataclass
class Used:
    """What the used marker of a taken code says: the code's data (None in a marker written
    before the data was kept: such a replay can only be reuse), when it was taken, and whether
    the presentation that took it was refused."""

    family_id: str
    code: AuthorizationCode | None
    taken_at: int
    refused: bool = False

    def dumps(self) -> str:
        return json.dumps(
            {
                "family_id": self.family_id,
                "code": asdict(self.code) if self.code is not None else None,
                "taken_at": self.taken_at,
                "refused": self.refused,
            }
        )

    @classmethod
    def loads(cls, raw: str) -> Used:
        if not raw.startswith("{"):  # the family id alone (markers of earlier releases)
            return cls(raw, None, 0, refused=True)
        data = json.loads(raw)
        code = AuthorizationCode(**data["code"]) if data.get("code") else None
        return cls(data["family_id"], code, int(data["taken_at"]), bool(data["refused"]))

    def retryable(self) -> bool:
        """A presentation of the taken code may still get the tokens of its exchange: the
        taker was not refused and the grace period (``protocol.retry_grace``) has not ended."""
        svc = services()
        return not self.refused and svc.now() - self.taken_at < svc.settings.protocol.retry_grace


def take(code: str) -> tuple[AuthorizationCode | None, Used | None]:
    """Consume ``code``. Returns (code, None) the first time, (None, marker) for a code that
    was taken before, (None, None) for an unknown or expired one.

    The used marker is written (set-if-absent: the first taker's stands) before the atomic pop,
    so a concurrent second presentation always learns the code's data: either it finds the
    marker, or it read the code itself and lost the pop. An expired code is neither taken nor
    marked: it gave no tokens, so a later presentation has nothing to revoke.
    """
    svc = services()
    key = token_hash(code)
    raw = svc.store.get(f"code:{key}")
    if raw is None:
        marker = svc.store.get(f"code-used:{key}")
        return None, Used.loads(marker) if marker is not None else None
    data = AuthorizationCode(**json.loads(raw))
    now = svc.now()
    if data.issued_at + svc.settings.protocol.code_ttl <= now:
        return None, None
    used = Used(data.family_id, data, now)
    svc.store.set(f"code-used:{key}", used.dumps(), ttl=USED_MARKER_TTL, nx=True)
    if svc.store.pop(f"code:{key}") is None:
        return None, used
    return data, None


def refuse(code: str, data: AuthorizationCode) -> None:
    """The presentation that took ``code`` was refused (RFC 6749 §10.5: the code stays spent):
    later presentations are reuse, whatever they carry."""
    used = Used(data.family_id, data, services().now(), refused=True)
    services().store.set(f"code-used:{token_hash(code)}", used.dumps(), ttl=USED_MARKER_TTL)
