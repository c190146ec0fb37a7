"""Reviews of foreign organisations (S5, P7), their uploaded files, deactivation tombstones (P4).

- ``StoredFile``: an upload kept by the ``FileStore`` port under a generated name; the original
  name is only metadata (never a path), the digest lets the admin side check integrity.
- ``ReviewCase``: one foreign legal person waiting for the office's decision, with its two PDFs
  (kind "foreign"), or an unverified account set aside because a verified organisation took its
  USCC (kind "squatted_uscc", no files). The decision (status, decided_at, reason) is written
  by the admin area (P7) through ``reviews.approve``/``reviews.reject``.
- ``DeactivatedIdentity``: the blind index of an identity whose account was deactivated; P4 says
  it can never register or supplement again, so the tombstone outlives the account.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ._types import Model, UTCDateTime

if TYPE_CHECKING:
    from .organisation import Organisation

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
# ReviewCase.kind: a foreign entity without USCC (S5), or an unverified account set aside
# because a verified organisation registered its USCC (docs/accounts.md)
FOREIGN, SQUATTED_USCC = "foreign", "squatted_uscc"


class StoredFile(Model):
    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    storage_name: Mapped[str] = mapped_column(String(80), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(80))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ReviewCase(Model):
    __tablename__ = "review_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24), default=FOREIGN, server_default=FOREIGN)
    # the two PDFs of a foreign entity (S5); a set-aside account's case has none
    identity_proof_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    qualification_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    status: Mapped[str] = mapped_column(String(16), default=PENDING, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(Text)

    organisation: Mapped[Organisation] = relationship("Organisation", lazy="joined")
    identity_proof: Mapped[StoredFile | None] = relationship(
        "StoredFile", foreign_keys=[identity_proof_id], lazy="joined"
    )
    qualification: Mapped[StoredFile | None] = relationship(
        "StoredFile", foreign_keys=[qualification_id], lazy="joined"
    )


class DeactivatedIdentity(Model):
    __tablename__ = "deactivated_identities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    bidx: Mapped[str] = mapped_column(String(64))
    deactivated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("kind", "bidx", name="uq_deactivated_identity"),)
