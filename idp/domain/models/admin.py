"""An administrator of the admin area (issue 12, "Administrators"): an account of its own,
separate from the citizens' ``users``, signed in with a password and a TOTP code.

``totp_secret_enc`` is the base32 TOTP secret encrypted with the field cipher under its own
purpose (``purposes.ADMIN_TOTP``, D5); ``totp_enrolled`` says whether a code from it has been
confirmed; ``last_totp_step`` is the RFC 6238 time step of the last code accepted, so a code is
valid once. The rules live in ``idp.domain.admins``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ._types import Model, UTCDateTime


class AdminAccount(Model):
    __tablename__ = "admin_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    totp_secret_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    totp_enrolled: Mapped[bool] = mapped_column(Boolean, default=False)
    last_totp_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
