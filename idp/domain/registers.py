"""The office's registers: agency filings (Y1) and filed agency practitioners (Y2).

Looked up here by blind index (D5); imported from CSV files by ``idp registers import``
(``registers_import``: streaming, all or nothing, columns in ``registers_rows``; documented in
docs/accounts.md, "The office's registers").
"""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..services import services
from . import documents
from .models import AgencyFiling, Practitioner

USCC_INDEX, ID_INDEX = "uscc", "id-number"  # the same purposes as organisations and accounts


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
    return db.session.scalar(select(Practitioner).where(
        Practitioner.id_number_bidx == id_number_bidx))


def filing_for_account_key(legacy_id: str | None) -> AgencyFiling | None:
    """The filing of the agency whose legacy online application account is ``legacy_id``
    (the register's legacy_id column, spelled as ``legacy.account_key`` spells it; an import
    gives one key to at most one filing), if the register names it (Y1)."""
    from .legacy import account_key  # legacy imports this module
    key = account_key(legacy_id)
    if not key:
        return None
    return db.session.scalar(select(AgencyFiling).where(AgencyFiling.legacy_account_key == key)
                             .order_by(AgencyFiling.id).limit(1))


def import_file(path: str, kind: str, dry_run: bool = False, **options):
    """``registers_import.import_file``: check the whole CSV register, then write it all."""
    from . import registers_import
    return registers_import.import_file(path, kind, dry_run=dry_run, **options)
