"""The user account: a natural person, or the account of a legal person or agency (P1).

Organisation-only data live in ``Organisation`` (one row per organisation account).

``sub`` is a random public identifier that is never reused, even after deactivation (P4).
Login identifiers (mobile, ID number) are unique among *active* accounts only (D3), enforced by
partial unique indexes so a deactivated account's tombstone does not block anything it should
not — and the blind index, not the ciphertext, carries the ID-number uniqueness (D5).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from ._sealed import sealed
from ._types import Model, UTCDateTime

ACTIVE = "active"
PENDING_REVIEW = "pending_review"
REJECTED = "rejected"
DEACTIVATED = "deactivated"
NATURAL = "natural"


def new_sub() -> str:
    return secrets.token_hex(16)


class User(Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sub: Mapped[str] = mapped_column(String(64), unique=True, default=new_sub)
    user_type: Mapped[str] = mapped_column(String(16), default=NATURAL)
    name: Mapped[str] = mapped_column(String(100))
    # Mobile and e-mail are sealed (idp.domain.identity.contacts, D5): ciphertext + blind index.
    phone_enc: Mapped[str | None] = mapped_column(Text)
    phone_bidx: Mapped[str | None] = mapped_column(String(64))
    phone_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    email_enc: Mapped[str | None] = mapped_column(Text)
    email_bidx: Mapped[str | None] = mapped_column(String(64), index=True)
    email_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    id_type: Mapped[str | None] = mapped_column(String(40))
    id_number_enc: Mapped[str | None] = mapped_column(Text)
    id_number_bidx: Mapped[str | None] = mapped_column(String(64))
    id_number_masked: Mapped[str | None] = mapped_column(String(40))
    id_valid_from: Mapped[dt.date | None] = mapped_column(Date)
    id_valid_to: Mapped[dt.date | None] = mapped_column(Date)
    id_long_term: Mapped[bool] = mapped_column(Boolean, default=False)
    realname_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    agreement_version: Mapped[str | None] = mapped_column(String(20))
    agreement_accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    password_hash: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default=ACTIVE)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    deactivated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index(
            "uq_users_active_phone",
            "phone_bidx",
            unique=True,
            postgresql_where=text("status = 'active'"),
            sqlite_where=text("status = 'active'"),
        ),
        Index(
            "uq_users_active_id_number",
            "id_number_bidx",
            unique=True,
            postgresql_where=text("status = 'active'"),
            sqlite_where=text("status = 'active'"),
        ),
    )

    phone = sealed("phone", "phone")
    email = sealed("email", "email")

    @property
    def active(self) -> bool:
        return self.status == ACTIVE

    def __repr__(self) -> str:  # never print personal data
        return f"<User {self.id} {self.sub}>"
