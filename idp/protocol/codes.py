"""Authorization codes, kept in the store (RFC 6749 §4.1.2, RFC 9700 §4.2.1).

A code is stored under the SHA-256 of its value and taken with an atomic ``pop``, so two
concurrent redemptions cannot both succeed. Taking it leaves a marker naming the token family
it produced; a later attempt with the same code finds the marker and revokes that family.
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


def take(code: str) -> tuple[AuthorizationCode | None, str | None]:
    """Consume ``code``. Returns (code, None) the first time, (None, family) on reuse.

    The used-marker is written before the atomic pop, so a concurrent second redemption always
    learns the family it must revoke: either it finds the marker, or it read the code itself
    and lost the pop.
    """
    svc = services()
    key = token_hash(code)
    raw = svc.store.get(f"code:{key}")
    if raw is None:
        return None, svc.store.get(f"code-used:{key}")
    data = AuthorizationCode(**json.loads(raw))
    svc.store.set(f"code-used:{key}", data.family_id, ttl=USED_MARKER_TTL)
    if svc.store.pop(f"code:{key}") is None:
        return None, data.family_id
    if data.issued_at + svc.settings.protocol.code_ttl <= svc.now():
        return None, None
    return data, None
