"""Sample subsystems (relying parties) of 统一身份认证.

Three subsystems of the trademark office — 商标网上申请 (``trademark_application``, port 5001),
商标网上查询 (``trademark_query``, 5002) and 商标公告 (``trademark_gazette``, 5003) — each a
client of its own, sign in through the IdP exactly as a real subsystem would: one sign-in
reaches all three (SSO) and signing out of one signs out of all (single logout, R3). Each
package holds only its settings; the relying party they share is ``sample_rp``. They double as
living documentation and as end-to-end test partners (tests/e2e).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .sample_rp import Subsystem

SAMPLES = ("trademark_application", "trademark_query", "trademark_gazette")


def subsystems() -> list[Subsystem]:
    """The ``Subsystem`` of every sample, in the order of ``SAMPLES``."""
    return [importlib.import_module(f"{__name__}.{name}").SUBSYSTEM for name in SAMPLES]
