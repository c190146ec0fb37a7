"""Issued access and refresh tokens, stored only as SHA-256 hashes.

Tokens issued from one authorization (one code) form a *family*: refresh-token rotation keeps
the family, and reuse of a rotated refresh token or of the code revokes the whole family
(RFC 9700 §2.2.2, §4.14; RFC 6749 §4.1.2). A retry of a lost response within
``protocol.retry_grace`` is not reuse: it gets the same, still unused, tokens back
(``idp.protocol.tokens``). Times are Unix seconds from the settable clock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...services import services
from ._types import Model

if TYPE_CHECKING:
    from .client import Client
    from .user import User


class Token(Model):
    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    family_id: Mapped[str] = mapped_column(String(64), index=True)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    scope: Mapped[str] = mapped_column(Text, default="")
    access_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    issued_at: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[int] = mapped_column(Integer)
    refresh_expires_at: Mapped[int | None] = mapped_column(Integer)
    auth_time: Mapped[int | None] = mapped_column(Integer)
    sid: Mapped[str | None] = mapped_column(String(64), index=True)
    amr: Mapped[str | None] = mapped_column(String(64))
    acr: Mapped[str | None] = mapped_column(String(64))
    rotated_at: Mapped[int | None] = mapped_column(Integer)
    revoked_at: Mapped[int | None] = mapped_column(Integer)
    # R2: the organisation account (users.id) a handler signed in for; set from the code and
    # inherited through refresh rotation, so userinfo and refreshed ID tokens still say it
    acting_for_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", name="fk_tokens_acting_for_id_users")
    )

    user: Mapped[User | None] = relationship("User", lazy="joined", foreign_keys=[user_id])

    # --- Authlib TokenMixin ---------------------------------------------------------------
    def check_client(self, client: Client) -> bool:
        return self.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return max(0, self.expires_at - self.issued_at)

    def get_expires_at(self) -> int:
        return self.expires_at

    def is_expired(self) -> bool:
        return self.expires_at <= services().clock.now()

    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def get_user(self) -> User | None:
        return self.user

    def get_client_id(self) -> str:
        return self.client_id

    def __repr__(self) -> str:
        return f"<Token {self.id} family={self.family_id}>"
