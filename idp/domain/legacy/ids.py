"""The one spelling of a legacy account id (L1, L3): how the import, the registers, the legacy
login and every link find the same account whatever width or case the id was typed in.

A module of its own so that the import's rows, the registers and the legacy rules can all use it
without importing one another.
"""

from __future__ import annotations

import unicodedata


def account_key(value: str | None) -> str:
    """One spelling per legacy account id: NFKC (full-width becomes ASCII), trimmed, case-folded."""
    return unicodedata.normalize("NFKC", value or "").strip().casefold()
