"""A relying party: one trademark subsystem registered by an administrator (R1).

Implements Authlib's ``ClientMixin`` contract with exact redirect-URI matching
(RFC 9700 §4.1.1) and a keyed digest for the secret (never the secret itself).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ...services import services
from ..crypto import constant_time_equal
from ..vocab import AUTHORIZATION_CODE, CODE, RS256
from ._types import Model, UTCDateTime


class Client(Model):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_digest: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    post_logout_redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    backchannel_logout_uri: Mapped[str | None] = mapped_column(Text)
    grant_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    scope: Mapped[str] = mapped_column(Text)
    token_endpoint_auth_method: Mapped[str] = mapped_column(String(32))
    jwks: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    id_token_signed_response_alg: Mapped[str] = mapped_column(String(10), default=RS256)
    first_party: Mapped[bool] = mapped_column(Boolean, default=False)
    require_pkce: Mapped[bool] = mapped_column(Boolean, default=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    batch: Mapped[str | None] = mapped_column(String(32))  # R1: the rollout batch
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    @property
    def public(self) -> bool:
        return self.token_endpoint_auth_method == "none"

    # --- Authlib ClientMixin -------------------------------------------------------------
    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # redirect_uri is always required here

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return ""
        allowed = set(self.scope.split())
        return " ".join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in (self.redirect_uris or [])

    def check_client_secret(self, client_secret: object) -> bool:
        if not self.secret_digest or not isinstance(client_secret, str):
            return False
        return constant_time_equal(
            self.secret_digest, services().client_secret_digest(client_secret)
        )

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if endpoint == "revocation" and self.public:
            return method == "none"
        return method == self.token_endpoint_auth_method

    def check_response_type(self, response_type: str) -> bool:
        return response_type == CODE and AUTHORIZATION_CODE in (self.grant_types or [])

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in (self.grant_types or [])

    def __repr__(self) -> str:
        return f"<Client {self.client_id}>"
