"""The office's registers: agency filings (Y1) and filed agency practitioners (Y2).

Looked up here by blind index (D5); imported from CSV files by ``idp registers import``
(``registers_import``: streaming, all or nothing, columns in ``registers_rows``; documented in
docs/accounts.md, "The office's registers").
"""

from __future__ import annotations

from sqlalchemy import select

from ...extensions import db
from ...services import services
from .. import purposes
from ..identity import documents
from ..models import AgencyFiling, Practitioner

USCC_INDEX, ID_INDEX = purposes.USCC, purposes.ID_NUMBER


def uscc_index(uscc: str) -> str:
    """The USCC's blind index (normalised first, as the login page does)."""
    return services().blind_index(documents.normalize(uscc), USCC_INDEX)


def filing_for(uscc_bidx: str | None) -> AgencyFiling | None:
    """The filing of this USCC blind index, if the agency is on the register (Y1)."""
    if not uscc_bidx:
        return None
    return db.session.scalar(select(AgencyFiling).where(AgencyFiling.uscc_bidx == uscc_bidx))


def practitioner_for(id_number_bidx: str | None) -> Practitioner | None:
    """The filed practitioner with this ID-number blind index (Y2), if any."""
    if not id_number_bidx:
        return None
    return db.session.scalar(
        select(Practitioner).where(Practitioner.id_number_bidx == id_number_bidx)
    )
