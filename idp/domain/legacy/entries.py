"""Which entry of the login page each legacy account uses, and what an entry answers a legacy
account that belongs elsewhere (login table, P6, Y1, D2; docs/legacy.md "Every answer of the
legacy login").

Asked only after the legacy password matched (``legacy.authenticate``), so nothing here tells a
stranger whether an account exists. The kind of the account decides its entry — the kind of its
user once linked (a legal person changed into an agency, P6, is an agency) — and the entry says
where to go instead of "wrong password" for a correct password:
- 自然人: the legacy account id of a natural person or simple user;
- 法人: the USCC of the legacy profile, or the legacy account id of a legal person without a
  valid USCC (D2, S5: its supplementation is the review path);
- 代理机构: the USCC on the agency filing register (``filed_uscc_bidx``), equal to its legacy
  profile's, or the legacy account id of an agency without a valid legacy USCC (D2). Y1 is
  ``legacy_identity.agency_refusal``, the rule every link of an agency obeys too: not on the
  register, or a legacy USCC other than the filed one, gets the filing-change explanation
  whichever USCC was typed.
``SITUATIONS`` lists every answer, entry by entry; docs/legacy.md mirrors it and
tests/web/test_legacy_entry_table.py walks it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from ...extensions import db
from ..models import AgencyFiling, LegacyAccount
from ..models.legacy import AGENCY, LEGAL, NATURAL, SIMPLE
from . import identity as legacy_identity

log = logging.getLogger(__name__)

ENTRY_OF_KIND = {NATURAL: "personal", SIMPLE: "personal", LEGAL: "legal", AGENCY: "agency"}
USE_PERSONAL_ENTRY = "legacy.use_personal_entry"
USE_LEGAL_ENTRY = "legacy.use_legal_entry"
LEGAL_USE_USCC = "legacy.legal_use_uscc"
LEGAL_AT_AGENCY_ENTRY = "legacy.legal_at_agency_entry"
USE_AGENCY_ENTRY = "legacy.use_agency_entry"
AGENCY_USE_USCC = "legacy.agency_use_uscc"
Y1_FILING_CHANGE, Y1_NOT_FILED = legacy_identity.Y1_FILING_CHANGE, legacy_identity.Y1_NOT_FILED


@dataclass(frozen=True)
class Naming:
    """How the typed identifier named an account: its legacy account id, the USCC of its legacy
    profile, or its filed USCC (agencies)."""

    by_id: bool = False
    by_uscc: bool = False
    by_filed: bool = False


def kind_of(account: LegacyAccount) -> str:
    """The kind that decides the entry: the linked user's type (P6), else the legacy kind."""
    user = account.user if account.linked else None
    return user.user_type if user is not None else account.kind


def own_form(entry: str, account: LegacyAccount, naming: Naming) -> bool:
    """Named at its own entry the way the login table names it there."""
    if ENTRY_OF_KIND.get(kind_of(account)) != entry:
        return False
    if entry == "personal":
        return naming.by_id
    if entry == "legal":
        return naming.by_uscc or (naming.by_id and legacy_identity.own_uscc_bidx(account) is None)
    return naming.by_filed or (naming.by_id and legacy_identity.legacy_uscc_bidx(account) is None)


def refusal(entry: str, account: LegacyAccount, naming: Naming) -> str | None:
    """What this entry answers the account whose password matched, or None to go on. A linked
    account goes on at its user's entry, whichever identifier named it (L6)."""
    home = ENTRY_OF_KIND.get(kind_of(account))
    if home != entry:
        return {"personal": USE_PERSONAL_ENTRY, "agency": USE_AGENCY_ENTRY}.get(
            home or "", LEGAL_AT_AGENCY_ENTRY if entry == "agency" else USE_LEGAL_ENTRY
        )
    if account.linked or entry == "personal":
        return None
    if entry == "legal":
        return None if own_form(entry, account, naming) else LEGAL_USE_USCC
    y1 = legacy_identity.agency_refusal(account)
    if y1 == Y1_NOT_FILED:
        _warn_if_no_register()
    return y1 or (None if own_form(entry, account, naming) else AGENCY_USE_USCC)


def _warn_if_no_register() -> None:
    """An empty filing register refuses every legacy agency (Y1): say so to the operators."""
    if db.session.scalar(select(AgencyFiling.id).limit(1)) is None:
        log.warning(
            "legacy agency login refused: the agency filing register is empty "
            "(idp registers import FILE --kind agencies)"
        )


@dataclass(frozen=True)
class Situation:
    """One row of the table of answers: at ``entry``, ``situation`` (a slug the tests build)
    gets ``answer`` — a key of ``MESSAGES``, or an outcome: ``failure`` (the one generic
    answer), ``captcha``, ``pending_review``, ``supplement`` (S1), ``sign_in`` (L6). The
    messages of L2 and L4 are ``legacy.MESSAGES``'s, with these."""

    entry: str
    situation: str
    answer: str


MESSAGES = {
    "use_personal_entry": USE_PERSONAL_ENTRY,
    "use_legal_entry": USE_LEGAL_ENTRY,
    "legal_use_uscc": LEGAL_USE_USCC,
    "legal_at_agency_entry": LEGAL_AT_AGENCY_ENTRY,
    "use_agency_entry": USE_AGENCY_ENTRY,
    "agency_use_uscc": AGENCY_USE_USCC,
    "y1_filing_change": Y1_FILING_CHANGE,
    "y1_not_filed": Y1_NOT_FILED,
}

_EVERY_ENTRY = (
    ("unknown", "failure"),
    ("wrong_password", "failure"),
    ("unusable_hash", "failure"),
    ("locked", "failure"),
    ("wrong_captcha", "captcha"),
    ("after_cutoff", "L2"),
    ("not_designated", "L4"),
    ("linked", "sign_in"),
)
_PER_ENTRY = {
    "personal": (
        ("natural", "supplement"),
        ("simple", "supplement"),
        ("several_ids_designated", "supplement"),
        ("legal_by_id", "use_legal_entry"),
        ("agency_by_id", "use_agency_entry"),
        ("linked_legal_by_id", "use_legal_entry"),
        ("linked_deactivated", "failure"),
    ),
    "legal": (
        ("legal_by_uscc", "supplement"),
        ("dirty_legal_by_id", "supplement"),
        ("legal_with_uscc_by_id", "legal_use_uscc"),
        ("several_designated", "supplement"),
        ("several_same_password", "supplement"),
        ("linked_pending_review", "pending_review"),
        ("agency_by_filed_uscc", "use_agency_entry"),
        ("agency_by_legacy_uscc", "use_agency_entry"),
        ("natural_by_id", "use_personal_entry"),
    ),
    "agency": (
        ("filed_on_register", "supplement"),
        ("agency_with_uscc_by_id", "agency_use_uscc"),
        ("filed_uscc_differs", "y1_filing_change"),
        ("legacy_uscc_differs", "y1_filing_change"),
        ("filed_not_on_register", "y1_not_filed"),
        ("legacy_uscc_not_on_register", "y1_not_filed"),
        ("no_filed_uscc", "y1_not_filed"),
        ("no_filed_uscc_legacy_on_register", "supplement"),
        ("dirty_agency_by_id", "supplement"),
        ("dirty_agency_by_filed_uscc", "supplement"),
        ("dirty_agency_by_id_not_on_register", "y1_not_filed"),
        ("several_designated", "supplement"),
        ("legal_by_uscc", "legal_at_agency_entry"),
        ("linked_legal_changed_to_agency", "sign_in"),
        ("natural_by_id", "use_personal_entry"),
    ),
}
SITUATIONS = tuple(
    Situation(entry, situation, answer)
    for entry in ("personal", "legal", "agency")
    for situation, answer in _EVERY_ENTRY + _PER_ENTRY[entry]
)
