"""Signing keys for ID tokens and logout tokens, private halves encrypted at rest.

A key is ``next`` (published in JWKS, not yet signing), ``current`` (signing) or ``retired``
(still published until ``retire_at`` so tokens it signed can be verified). At most one current
and one next key per algorithm, by partial unique indexes (migration 0010).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from ._types import Model

NEXT, CURRENT, RETIRED = "next", "current", "retired"


class SigningKey(Model):
    __tablename__ = "signing_keys"
    __table_args__ = tuple(
        Index(
            f"uq_signing_keys_one_{state}",
            "alg",
            unique=True,
            postgresql_where=text(f"state = '{state}'"),
            sqlite_where=text(f"state = '{state}'"),
        )
        for state in (CURRENT, NEXT)
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    alg: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(10))
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    private_enc: Mapped[str] = mapped_column(Text)
    created_at: Mapped[int] = mapped_column(Integer)
    activated_at: Mapped[int | None] = mapped_column(Integer)
    retired_at: Mapped[int | None] = mapped_column(Integer)
    remove_at: Mapped[int | None] = mapped_column(Integer)
