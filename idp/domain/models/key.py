"""Signing keys for ID tokens and logout tokens, private halves encrypted at rest.

A key is ``next`` (published in JWKS, not yet signing), ``current`` (signing) or ``retired``
(still published until ``retire_at`` so tokens it signed can be verified). One current key per
algorithm at a time.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ._types import Model

NEXT, CURRENT, RETIRED = "next", "current", "retired"


class SigningKey(Model):
    __tablename__ = "signing_keys"

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
