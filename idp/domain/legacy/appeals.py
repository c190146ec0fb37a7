"""Manual appeals (人工申诉) of legacy accounts that cannot pass verification (L10, P7).

``open_appeal`` checks every field on its own (all errors at once, each on its field), keeps the
PDFs (``files``: header + strict parse, size limit, generated names outside the web root) and
writes the appeal in one transaction under a case number ``SS`` + Beijing date + 6 random digits;
the unique index on ``case_number`` decides a clash, and the attempt is retried with a new
number. Files saved by a failed attempt are discarded. The applicant is never told whether the
legacy account id is known: a known one is only linked (``legacy_account_id``) for the office.
``lookup`` finds an appeal only by case number and mobile together; anything else is the same
``None``. The back office decides (P7) and sends the result by SMS to the verified mobile.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...services import services
from .. import transaction
from ..errors import Reason, ValidationError
from ..identity import documents, names
from ..identity.identifiers import beijing_date
from ..models import LegacyAccount, LegacyAppeal, StoredFile
from ..models._types import from_timestamp
from ..models.review import PENDING
from ..organisations import files
from ..organisations.registration import Upload
from ..verification.codes import normalise_destination
from . import login as legacy

CONTENT_MIN, CONTENT_MAX = 10, 2000
ATTEMPTS = 5
T = TypeVar("T")


class AppealInvalid(ValidationError):
    """Some fields were refused; ``errors`` maps each field to its reason (a code or an error)."""

    def __init__(self, errors: dict[str, Reason]):
        field, reason = next(iter(errors.items()))
        super().__init__(reason if isinstance(reason, str) else reason.code, field)
        self.errors = errors


@dataclass(frozen=True)
class AppealInput:
    account: str
    name: str
    phone: str
    email: str | None
    content: str


def check(
    a: AppealInput, identity_proof: Upload | None, other_proof: Upload | None
) -> tuple[dict[str, Any], dict[str, Reason]]:
    """Every field of the appeal form checked on its own: (clean values, errors by field)."""
    errors: dict[str, Reason] = {}

    def attempt(fn: Callable[[], T]) -> T | None:
        try:
            return fn()
        except ValidationError as exc:
            errors.setdefault(exc.field or "form", exc)
            return None

    account = " ".join((a.account or "").split())
    if not account:
        errors["account"] = "appeal.account_missing"
    elif len(account) > 64:
        errors["account"] = "appeal.account_too_long"
    name = attempt(lambda: names.check_name(a.name, label="name_or_org", limit=200))
    phone = attempt(lambda: documents.validate_mobile(a.phone or ""))
    email = None
    if (a.email or "").strip():
        email = attempt(lambda: normalise_destination("mail", a.email or ""))
    content = (a.content or "").strip()
    if not CONTENT_MIN <= len(content) <= CONTENT_MAX:
        errors["content"] = ValidationError(
            "appeal.content_length",
            "content",
            min=CONTENT_MIN,
            max=CONTENT_MAX,
            length=len(content),
        )
    if identity_proof is None or not identity_proof.data:
        errors["identity_proof"] = "appeal.identity_proof_missing"
    else:
        attempt(lambda: files.check_pdf(identity_proof.data, "identity_proof"))
    if other_proof is not None and other_proof.data:
        attempt(lambda: files.check_pdf(other_proof.data, "other_proof"))
    return dict(account=account, name=name, phone=phone, email=email, content=content), errors


def open_appeal(
    *,
    account: str,
    name: str,
    phone: str,
    email: str | None,
    content: str,
    identity_proof: Upload | None,
    other_proof: Upload | None = None,
    phone_verified: bool = False,
) -> LegacyAppeal:
    """L10: store a pending appeal with its PDFs; ``AppealInvalid`` lists every refused field.
    ``phone_verified``: the caller checked a code sent to ``phone`` (the result goes there)."""
    clean, errors = check(
        AppealInput(account, name, phone, email, content), identity_proof, other_proof
    )
    if not phone_verified and "phone" not in errors:
        errors["sms_code"] = "appeal.phone_unverified"
    if errors:
        raise AppealInvalid(errors)
    assert identity_proof is not None  # check() refuses an appeal without one
    key = legacy.account_key(clean["account"])
    known = db.session.scalar(select(LegacyAccount.id).where(LegacyAccount.account_key == key))
    for attempt in range(ATTEMPTS):
        saved: list[StoredFile] = []  # _store discards its own files when it fails
        try:
            with transaction.savepoint():
                saved = _store(identity_proof, other_proof)
                appeal = LegacyAppeal(
                    case_number=new_case_number(),
                    legacy_account_id=known,
                    identity_proof_id=saved[0].id,
                    other_proof_id=saved[1].id if len(saved) > 1 else None,
                    status=PENDING,
                    created_at=from_timestamp(services().clock.now()),
                    **clean,
                )
                db.session.add(appeal)
            return appeal
        except IntegrityError:  # the case number was taken meanwhile: try another
            files.discard(*saved)
            if attempt == ATTEMPTS - 1:
                raise
        except Exception:
            files.discard(*saved)
            raise
    raise AssertionError("unreachable")


def _store(identity_proof: Upload, other_proof: Upload | None) -> list[StoredFile]:
    saved = [files.store_pdf(identity_proof.data, identity_proof.filename, "identity_proof")]
    try:
        if other_proof is not None and other_proof.data:
            saved.append(files.store_pdf(other_proof.data, other_proof.filename, "other_proof"))
        db.session.flush()  # the files' ids
    except Exception:
        files.discard(*saved)
        raise
    return saved


def new_case_number() -> str:
    """``SS`` + the Beijing date (YYYYMMDD) + 6 random digits, e.g. ``SS20260126042917``."""
    day = beijing_date(services().clock.now()).strftime("%Y%m%d")
    return f"SS{day}{secrets.randbelow(10**6):06d}"


def lookup(case_number: str, phone: str) -> LegacyAppeal | None:
    """The appeal with this case number and mobile; ``None`` whichever of the two is wrong."""
    number = documents.normalize(case_number or "")
    if not documents.looks_like_mobile(phone or "") or not 8 <= len(number) <= 32:
        return None
    return db.session.scalar(
        select(LegacyAppeal).where(
            LegacyAppeal.case_number == number,
            LegacyAppeal.phone == documents.validate_mobile(phone),
        )
    )
