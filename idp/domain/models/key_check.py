"""Check values of the key material (issue 11): what ``idp.domain.keycheck`` proves at start.

One row per key setting (``name``): a canary encrypted under the field key that was current
when it was written (``encryption_keys``), and keyed digests of a fixed text under the
blind-index key and under the client-secret pepper. Written once, by the first start on the
database; the canary again by ``idp keys reencrypt``.
"""

from __future__ import annotations

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ._types import Model


class KeyCheck(Model):
    __tablename__ = "key_checks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[int] = mapped_column(Integer)
