"""A full ID number, decrypted for an administrator who re-authenticated to see it (D5: shown
masked everywhere else). The caller audits the reveal (``admin.id_revealed``) without the
number."""

from __future__ import annotations

from ...services import services
from .. import purposes


def id_number(sealed: str | None) -> str | None:
    """The document number sealed under the ID-number purpose, or None when there is none."""
    if not sealed:
        return None
    return services().cipher.decrypt(sealed, purposes.ID_NUMBER)
