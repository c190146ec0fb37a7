"""Accounts of the legacy online application system (L1–L10) and their manual appeals (L10).

- ``LegacyAccount``: one row per account of the legacy export (``idp legacy import``). Identity
  numbers are stored like everywhere else (D5): encrypted, found by blind index, shown masked.
  ``password_hash`` is in a legacy format until the first successful legacy login rehashes it to
  argon2id (L1). ``user_id`` is the link (L3): its unique index means one legacy account per
  user, the single column means one user per legacy account, and no code path ever clears it.
  ``filed_uscc_bidx`` (agencies) is the USCC on the office's agency filing register, which the
  agency entry's legacy login uses (login table); a valid USCC stored in the legacy profile must
  be the same (Y1, ``legacy_identity.agency_refusal``).
  ``first_login_at`` (the first successful legacy login) and ``supplemented_at``
  (supplementation completed and linked) feed the migration dashboard.
  ``designated`` is the office's choice among a person's several accounts (L4): True, False or
  None (not stated in the export).
- ``LegacyAppeal``: a manual appeal (人工申诉) with its PDFs, decided later by the office (L10).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ._sealed import sealed
from ._types import Model, UTCDateTime
from .review import PENDING

if TYPE_CHECKING:
    from .review import StoredFile
    from .user import User

NATURAL, LEGAL, AGENCY, SIMPLE = "natural", "legal", "agency", "simple"
KINDS = (NATURAL, LEGAL, AGENCY, SIMPLE)


def _when_set(column: str) -> Index:
    """A partial index ``(column, kind)`` of the rows where ``column`` is set: the bulk
    import's new rows (all NULL there) never touch it, and the migration dashboard counts them
    by kind and by day from the index alone (migrations 0016, 0017)."""
    where = text(f"{column} IS NOT NULL")
    return Index(
        f"ix_legacy_accounts_{column}_kind",
        column,
        "kind",
        postgresql_where=where,
        sqlite_where=where,
    )


class LegacyAccount(Model):
    __tablename__ = "legacy_accounts"
    __table_args__ = (
        _when_set("first_login_at"),
        _when_set("supplemented_at"),
        _when_set("linked_at"),
        Index("ix_legacy_accounts_imported_at_kind", "imported_at", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(64))
    account_key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    id_type: Mapped[str | None] = mapped_column(String(40))
    id_number_enc: Mapped[str | None] = mapped_column(Text)
    id_number_bidx: Mapped[str | None] = mapped_column(String(64), index=True)
    id_number_masked: Mapped[str | None] = mapped_column(String(40))
    uscc_enc: Mapped[str | None] = mapped_column(Text)
    uscc_bidx: Mapped[str | None] = mapped_column(String(64), index=True)
    uscc_masked: Mapped[str | None] = mapped_column(String(40))
    filed_uscc_bidx: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_enc: Mapped[str | None] = mapped_column(Text)
    phone_bidx: Mapped[str | None] = mapped_column(String(64), index=True)
    email_enc: Mapped[str | None] = mapped_column(Text)
    email_bidx: Mapped[str | None] = mapped_column(String(64), index=True)
    address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    password_hash: Mapped[str] = mapped_column(Text)
    designated: Mapped[bool | None] = mapped_column(Boolean)
    row_digest: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    linked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # the first successful legacy login; when supplementation completed with the link (0016)
    first_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    supplemented_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    user: Mapped[User | None] = relationship("User")
    phone = sealed("phone", "phone")
    email = sealed("email", "email")

    @property
    def linked(self) -> bool:
        return self.user_id is not None

    def __repr__(self) -> str:  # never print personal data
        return f"<LegacyAccount {self.id}>"


class LegacyAppeal(Model):
    __tablename__ = "legacy_appeals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_number: Mapped[str] = mapped_column(String(32), unique=True)
    account: Mapped[str] = mapped_column(String(64))
    legacy_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("legacy_accounts.id"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    phone_enc: Mapped[str | None] = mapped_column(Text)
    phone_bidx: Mapped[str | None] = mapped_column(String(64), index=True)
    email_enc: Mapped[str | None] = mapped_column(Text)
    email_bidx: Mapped[str | None] = mapped_column(String(64), index=True)
    content: Mapped[str] = mapped_column(Text)
    identity_proof_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    other_proof_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    status: Mapped[str] = mapped_column(String(16), default=PENDING, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(Text)
    # the decision (P7, ``legacy.appeal_decisions``): who, which outcome, the account linked,
    # whether the reviewer overrode the S2 person match, the names of corrected fields
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("admin_accounts.id"))
    outcome: Mapped[str | None] = mapped_column(String(16))
    linked_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    overrode: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    corrected: Mapped[list[str] | None] = mapped_column(JSON)

    identity_proof: Mapped[StoredFile] = relationship(
        "StoredFile", foreign_keys=[identity_proof_id]
    )
    other_proof: Mapped[StoredFile | None] = relationship(
        "StoredFile", foreign_keys=[other_proof_id]
    )

    phone = sealed("phone", "phone")  # mobile and e-mail sealed (idp.domain.identity.contacts, D5)
    email = sealed("email", "email")
