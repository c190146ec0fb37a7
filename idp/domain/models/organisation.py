"""Organisations (legal persons and trademark agencies) and their handlers (P2–P7, Y1–Y2, D2).

An organisation is an account of its own (``users`` row with ``user_type`` legal or agency) that
logs in with its USCC (a legal person also with its organisation code); this table holds what
only organisations have. Foreign entities without a USCC (D2) carry country, English name and
registration number, log in with a generated account number and wait for review (P7).

A handler (经办人) is a natural-person account bound to act for an organisation (P3). One natural
person is handler of at most one agency (Y2): a partial unique index on the active agency
bindings enforces it, so two concurrent bindings cannot both succeed.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ._sealed import sealed
from ._types import Model, UTCDateTime

if TYPE_CHECKING:
    from .user import User

LEGAL, AGENCY = "legal", "agency"
BY_REGISTER, BY_REVIEW = "register", "review"  # Organisation.verified_by
CATEGORIES = {
    "enterprise": "企业",
    "social": "社会团体",
    "government": "机关事业单位",
    "individual_business": "个体工商户",
    "other": "其他",
}


class Organisation(Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(24))
    name: Mapped[str] = mapped_column(String(200))
    uscc_enc: Mapped[str | None] = mapped_column(Text)
    uscc_bidx: Mapped[str | None] = mapped_column(String(64))
    uscc_masked: Mapped[str | None] = mapped_column(String(24))
    # The 9-character organisation code (USCC characters 9–17) also logs in at the legal entry
    # (login table); not unique: the USCC is, and an ambiguous code simply finds nothing.
    org_code_bidx: Mapped[str | None] = mapped_column(String(64), index=True)
    # A foreign entity's generated login number (D2, S5: it has no USCC); NULL for the others.
    account_no: Mapped[str | None] = mapped_column(String(16), unique=True, index=True)
    foreign: Mapped[bool] = mapped_column(Boolean, default=False)
    country: Mapped[str | None] = mapped_column(String(64))
    name_en: Mapped[str | None] = mapped_column(String(200))
    registration_number: Mapped[str | None] = mapped_column(String(64))
    rep_name: Mapped[str] = mapped_column(String(100))
    rep_nationality: Mapped[str | None] = mapped_column(String(64))
    rep_id_type: Mapped[str] = mapped_column(String(40))
    rep_id_number_enc: Mapped[str] = mapped_column(Text)
    rep_id_number_masked: Mapped[str] = mapped_column(String(40))
    rep_valid_from: Mapped[dt.date | None] = mapped_column(Date)
    rep_valid_to: Mapped[dt.date | None] = mapped_column(Date)
    rep_long_term: Mapped[bool] = mapped_column(Boolean, default=False)
    # The contact's mobile lives here, not in users.phone: that column is a natural person's
    # login identifier, unique among active accounts (D3), and a handler often gives the same one.
    contact_phone_enc: Mapped[str | None] = mapped_column(Text)  # sealed (contacts, D5)
    contact_phone_bidx: Mapped[str | None] = mapped_column(String(64), index=True)
    contact_phone_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    # Holds its login identifiers: False once deactivated or set aside (a squatted USCC,
    # docs/accounts.md), which takes the row out of the USCC's partial unique index.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # R2 "verified": when and how the organisation was shown to be itself — "register" (the
    # enterprise credit register matched, S4/S6) or "review" (the office approved it, S5/P7).
    # NULL: never checked (rows from before the check, or waiting for review).
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    verified_by: Mapped[str | None] = mapped_column(String(16))

    user: Mapped[User] = relationship("User", lazy="joined")
    contact_phone = sealed("contact_phone", "phone")

    __table_args__ = (
        Index(
            "uq_organisations_active_uscc",
            "uscc_bidx",
            unique=True,
            postgresql_where=text("active"),
            sqlite_where=text("active = 1"),
        ),
    )


class HandlerBinding(Model):
    __tablename__ = "handler_bindings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    handler_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    for_agency: Mapped[bool] = mapped_column(Boolean)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship("Organisation", lazy="joined")
    handler: Mapped[User] = relationship("User", lazy="joined")

    __table_args__ = (
        Index(
            "uq_handler_one_agency",
            "handler_id",
            unique=True,
            postgresql_where=text("for_agency AND active"),
            sqlite_where=text("for_agency = 1 AND active = 1"),
        ),
        Index(
            "uq_handler_binding_active",
            "organisation_id",
            "handler_id",
            unique=True,
            postgresql_where=text("active"),
            sqlite_where=text("active = 1"),
        ),
    )


class AgencyFiling(Model):
    """The agency filing register (商标代理机构备案), imported by ``idp registers import`` (Y1)."""

    __tablename__ = "agency_filings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc_bidx: Mapped[str] = mapped_column(String(64), unique=True)
    uscc_enc: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(String(200))
    filed_on: Mapped[dt.date | None] = mapped_column(Date)
    filing_no: Mapped[str | None] = mapped_column(String(64))
    # the agency's account id in the legacy online application system, as ``legacy.account_key``
    # spells it: lets the legacy import take the filed USCC from the register (Y1)
    legacy_account_key: Mapped[str | None] = mapped_column(String(64), index=True)


class Practitioner(Model):
    """The register of filed trademark agency practitioners (Y2), imported like the filings."""

    __tablename__ = "practitioners"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_number_bidx: Mapped[str] = mapped_column(String(64), unique=True)
    id_number_enc: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(String(100))
    agency_uscc_bidx: Mapped[str | None] = mapped_column(String(64), index=True)
    practitioner_no: Mapped[str | None] = mapped_column(String(64))
    filed_on: Mapped[dt.date | None] = mapped_column(Date)
