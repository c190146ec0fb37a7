"""Enterprise verification in tests (R2): the app's verifier swapped for a local one that lists
the records it knows or is down, and an organisation as it was before the check existed."""

from __future__ import annotations

from idp.adapters.enterprise import LocalEnterpriseVerifier
from idp.domain.identity import documents
from idp.domain.organisations import registration as organisations
from idp.extensions import db
from idp.services import services


def register_knows(*records: tuple[str, str, str, str]) -> None:
    """Only these (uscc, name, rep_name, rep_id_number) match from now on; the rest: no match."""
    services().enterprise = LocalEnterpriseVerifier(
        {(documents.normalize(u), n, r, documents.normalize(i)) for u, n, r, i in records}
    )


def register_down() -> None:
    """The register cannot answer (timeout, 5xx): every check is "unavailable"."""
    services().enterprise = LocalEnterpriseVerifier(outage=True)


def unverified_legal_person(**kwargs):
    """A legal person registered before enterprise verification existed (migration 0007 leaves
    such rows unverified): anybody could have typed somebody else's USCC."""
    org = organisations.register_legal_person(**kwargs)
    org.verified_at = org.verified_by = None
    db.session.commit()
    return org
