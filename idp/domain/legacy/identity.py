"""Whose legacy account it is (S2, L3, L5, L10): the one rule every link obeys.

A link can never be undone (L3) and the legacy password (L5) proves only that someone knows it,
so the identity verified here must be the legacy account's own before anything is linked:
- natural persons and simple users: the same document number when the legacy account holds one
  (blind indexes of normalised numbers; the import turned 15-digit resident ID numbers into 18
  digits) and, always, the same name (``name_key``);
- legal persons: the legacy account's own USCC, and only when it is stored and passes its
  GB 32100 check; a legacy legal person without one goes the review path (S5) and may not name
  a USCC at all;
- agencies: the USCC on the agency filing register, the one its legacy login uses (login table),
  and only when the agency is on that register and its legacy profile holds no other valid USCC
  (``agency_refusal``, Y1: a filing with another USCC needs a filing change first); the legacy
  login answers the same (``legacy_entries.refusal``).
Natural-person supplementation (``supplement``), organisation supplementation
(``supplement_org``) and 旧账号管理 (``legacy_link.link_existing``) all ask ``owner_refusal``
before they write anything; its answer is an ``IdentityMismatch``, whose page shows the way out:
the manual appeal (人工申诉, L10).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select

from ...extensions import db
from ...services import services
from ..crypto import DecryptionError
from ..errors import DomainError, ValidationError
from ..identity.uscc import validate_uscc
from ..models import LegacyAccount, Organisation, User
from ..models.legacy import AGENCY, LEGAL, NATURAL, SIMPLE
from ..registers import lookup as registers

PERSON_MISMATCH = "legacy.person_mismatch"
LEGAL_USCC_MISMATCH = "legacy.legal_uscc_mismatch"
AGENCY_USCC_MISMATCH = "legacy.agency_uscc_mismatch"
NO_USCC = "legacy.no_uscc"
Y1_NOT_FILED = "legacy.y1_not_filed"
Y1_FILING_CHANGE = "legacy.y1_filing_change"
WRONG_KIND = "legacy.wrong_kind"
_DOTS = re.compile(r"[.·•‧∙⋅・]")  # the middle dot of transcribed names, however it was typed


class IdentityMismatch(DomainError):
    """Not the legacy account's owner (S2): nothing is linked; the page offers 人工申诉 (L10)."""


@dataclass(frozen=True)
class Claimant:
    """Who is about to be linked: the kind of account (``users.user_type``) and the identity
    verified for it. ``review``: an organisation without a USCC linked pending review (S5)."""

    kind: str
    name: str = ""
    id_number_bidx: str | None = None
    uscc_bidx: str | None = None
    review: bool = False


def name_key(name: str | None) -> str:
    """A name as compared: NFKC (full-width forms become ASCII), without whitespace, control or
    format characters, every middle-dot variant as ``·``, case-folded (Latin names)."""
    text = unicodedata.normalize("NFKC", name or "")
    text = "".join(
        ch for ch in text if not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf")
    )
    return _DOTS.sub("·", text).casefold()


def own_uscc_bidx(account: LegacyAccount) -> str | None:
    """The blind index of the USCC this legacy organisation keeps, or None when it has none it
    may keep: a legal person's stored USCC (``legacy_uscc_bidx``), an agency's filed USCC when
    ``agency_refusal`` has nothing against it (login table, Y1)."""
    if account.kind == AGENCY:
        return filed_uscc_bidx(account) if agency_refusal(account) is None else None
    return legacy_uscc_bidx(account) if account.kind == LEGAL else None


def filed_uscc_bidx(account: LegacyAccount) -> str | None:
    """The blind index of a legacy agency's filed USCC (Y1): the export's ``filed_uscc`` (or the
    register's, ``--filed-uscc-from-register``); when the export gives none, its valid legacy
    USCC if that USCC is on the agency filing register — the register then files the very code
    the legacy profile holds, so an export without the column loses no agency."""
    if account.filed_uscc_bidx or account.kind != AGENCY:
        return account.filed_uscc_bidx
    legacy = legacy_uscc_bidx(account)
    return legacy if registers.filing_for(legacy) is not None else None


def agency_refusal(account: LegacyAccount) -> str | None:
    """Y1, the one rule of the legacy login's 代理机构 entry and of every link of a legacy agency:
    ``Y1_NOT_FILED`` unless its filed USCC is on the agency filing register
    (``registers.filing_for``); ``Y1_FILING_CHANGE`` when its legacy profile holds another valid
    USCC (``filed_uscc_bidx``: the export's, else its legacy USCC when that is on the register)
    — the office's guide: a wrong USCC given at filing needs a filing change (备案变更)
    before the legacy account is linked, whichever of the two USCCs is typed. An agency without a
    valid legacy USCC (D2) is its filing's. None for other kinds."""
    if account.kind != AGENCY:
        return None
    filed = filed_uscc_bidx(account)
    if registers.filing_for(filed) is None:
        return Y1_NOT_FILED
    legacy = legacy_uscc_bidx(account)
    return Y1_FILING_CHANGE if legacy is not None and legacy != filed else None


def legacy_uscc_bidx(account: LegacyAccount) -> str | None:
    """The blind index of the USCC stored in a legacy organisation's profile, if it decrypts
    and passes its GB 32100 check character (D2: else None)."""
    if not account.uscc_enc or not account.uscc_bidx:
        return None
    try:
        code = validate_uscc(services().cipher.decrypt(account.uscc_enc, registers.USCC_INDEX))
    except (DecryptionError, ValidationError):
        return None
    return account.uscc_bidx if registers.uscc_index(code) == account.uscc_bidx else None


def _organisation_refusal(account: LegacyAccount, claimant: Claimant) -> IdentityMismatch | None:
    y1 = agency_refusal(account)
    if y1 is not None:
        return IdentityMismatch(y1, "uscc")
    # ``own_uscc_bidx`` without asking Y1 a second time: it has just passed
    own = filed_uscc_bidx(account) if account.kind == AGENCY else own_uscc_bidx(account)
    if own is None:
        if account.kind == LEGAL and claimant.review and claimant.uscc_bidx is None:
            return None  # S5: the office reviews the documents before the account may log in
        return IdentityMismatch(NO_USCC, "uscc")
    if claimant.uscc_bidx == own:
        return None
    return IdentityMismatch(
        AGENCY_USCC_MISMATCH if account.kind == AGENCY else LEGAL_USCC_MISMATCH, "uscc"
    )


def owner_refusal(account: LegacyAccount, claimant: Claimant) -> IdentityMismatch | None:
    """S2, L3, L5: why ``claimant`` is not the owner of ``account`` — or None when it is.

    A natural person (or simple user) must have the legacy account's document number when it
    holds one, and its name (``name_key``); an organisation must keep the legacy account's own
    USCC (``own_uscc_bidx``), and without one only the review path (S5) links; an agency
    refused by ``agency_refusal`` (Y1) links no way."""
    if account.kind in (NATURAL, SIMPLE):
        if claimant.kind != NATURAL:
            return IdentityMismatch(WRONG_KIND)
        same_number = account.id_number_bidx in (None, claimant.id_number_bidx)
        if (
            same_number
            and name_key(account.name)
            and name_key(account.name) == name_key(claimant.name)
        ):
            return None
        return IdentityMismatch(PERSON_MISMATCH)
    if claimant.kind != account.kind:
        return IdentityMismatch(WRONG_KIND)
    return _organisation_refusal(account, claimant)


def check_owner(account: LegacyAccount, claimant: Claimant) -> None:
    """Raise ``owner_refusal``'s answer, if any."""
    refusal = owner_refusal(account, claimant)
    if refusal is not None:
        raise refusal


def of_user(user: User) -> Claimant:
    """The claimant an existing account is (旧账号管理): its name and document number, or its
    organisation's USCC."""
    if user.user_type == NATURAL:
        return Claimant(NATURAL, name=user.name, id_number_bidx=user.id_number_bidx)
    org = db.session.scalar(select(Organisation).where(Organisation.user_id == user.id))
    return Claimant(
        user.user_type, name=org.name if org else "", uscc_bidx=org.uscc_bidx if org else None
    )
