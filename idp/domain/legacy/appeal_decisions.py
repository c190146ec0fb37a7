"""Deciding a manual appeal (人工申诉, L10, P7; the admin area's ``reviewer``).

Three decisions, each in one transaction (a savepoint: a refusal leaves the appeal pending):
- ``reject``: a reason is required; the applicant reads it in the SMS;
- ``link_to``: complete the legacy link to an existing citizen account the reviewer names, through
  the one link function (``legacy.link.link``, L3). Whose legacy account it is stays the rule of
  ``legacy_identity.owner_refusal`` (S2); when it says "not this person", the reviewer may link
  only by overriding explicitly (``override=True``), which the appeal records (``overrode``);
  no override links another kind of account or an agency refused by its filing (Y1);
- ``correct``: correct the legacy account's name, document number or USCC through the importer's
  own parsing, validation and sealing (``legacy.rows``): a value the importer would drop is
  refused here; nothing is marked verified; the applicant then signs in or supplements.
An appeal whose legacy account id is unknown (``legacy_account_id`` None) can only be rejected.

Exactly one decision counts: the appeal is claimed first by a conditional UPDATE (``… WHERE
status = 'pending'``), so of two reviewers deciding at once the second gets
``appeal.already_decided`` (on PostgreSQL its UPDATE waits for the first's row lock). The result
goes by SMS to the appeal's verified mobile once the decision commits, as review decisions do
(``organisations.reviews``: ``transaction.after_commit``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update

from ...extensions import db
from ...services import services
from .. import transaction
from ..errors import DomainError, ValidationError
from ..models import LegacyAccount, LegacyAppeal, User
from ..models._types import from_timestamp
from ..models.review import APPROVED, PENDING, REJECTED
from ..verification import decision_sms
from . import identity as legacy_identity
from . import rows
from .link import check_linkable, link

ALREADY_DECIDED = "appeal.already_decided"
UNKNOWN_ACCOUNT = "appeal.unknown_account"
REASON_MISSING = "appeal.reason_missing"
NO_SUCH_USER = "appeal.no_such_user"
PERSON_MISMATCH = "appeal.person_mismatch"
NOTHING_CORRECTED = "appeal.nothing_corrected"
CORRECTION_REFUSED = "appeal.correction_refused"

OUTCOME_REJECTED, OUTCOME_LINKED, OUTCOME_CORRECTED = "rejected", "linked", "corrected"
CORRECTABLE = ("name", "id_number", "uscc")
# What an override cannot set aside: another kind of account (a person's legacy account to an
# organisation, or the reverse) and an agency's filing (Y1: "links no way").
BEYOND_OVERRIDE = frozenset(
    {legacy_identity.WRONG_KIND, legacy_identity.Y1_NOT_FILED, legacy_identity.Y1_FILING_CHANGE}
)

SMS_REJECTED = "appeal_rejected"
SMS_LINKED = "appeal_linked"
SMS_CORRECTED = "appeal_corrected"
TEXTS = {
    SMS_REJECTED: "【{signature}】您的人工申诉（{case}）未通过，原因：{reason}",
    SMS_LINKED: "【{signature}】您的人工申诉（{case}）已处理，历史账号已关联到您的账号，"
    "请使用该账号登录。",
    SMS_CORRECTED: "【{signature}】您的人工申诉（{case}）已处理，历史账号信息已更正，"
    "请使用历史账号登录并完善信息。",
}


def _claim(appeal: LegacyAppeal, admin_id: int | None, outcome: str, **values: Any) -> None:
    """Write the decision if the appeal is still pending, else ``appeal.already_decided``: the
    UPDATE's WHERE is the guard, not the status loaded with the page."""
    if appeal.status != PENDING:
        raise DomainError(ALREADY_DECIDED)
    status = REJECTED if outcome == OUTCOME_REJECTED else APPROVED
    changed = cast(
        CursorResult[Any],
        db.session.execute(
            update(LegacyAppeal)
            .where(LegacyAppeal.id == appeal.id, LegacyAppeal.status == PENDING)
            .values(
                status=status,
                outcome=outcome,
                decided_by=admin_id,
                decided_at=from_timestamp(services().clock.now()),
                **values,
            )
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if changed != 1:
        raise DomainError(ALREADY_DECIDED)


def _notify(appeal: LegacyAppeal, template: str, **params: str) -> None:
    """Queue the result SMS to the appeal's mobile; it goes out only if the decision commits."""
    values = {"case": appeal.case_number, **params}
    decision_sms.send_after_commit(appeal.phone, TEXTS, template, values, f"appeal {appeal.id}")


def _decide(appeal: LegacyAppeal, work: Callable[[], None]) -> None:
    with transaction.savepoint():
        work()
        db.session.flush()
    db.session.refresh(appeal)


def reject(appeal: LegacyAppeal, reason: str, *, admin_id: int | None = None) -> None:
    """P7: the appeal is refused with ``reason`` (required: the applicant reads it)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(REASON_MISSING, "reason")
    _decide(appeal, lambda: _claim(appeal, admin_id, OUTCOME_REJECTED, reason=reason))
    _notify(appeal, SMS_REJECTED, reason=reason)


def legacy_account(appeal: LegacyAppeal) -> LegacyAccount | None:
    if appeal.legacy_account_id is None:
        return None
    return db.session.get(LegacyAccount, appeal.legacy_account_id)


def _known(appeal: LegacyAppeal) -> LegacyAccount:
    account = legacy_account(appeal)
    if account is None:
        raise DomainError(UNKNOWN_ACCOUNT)
    return account


def person_refusal(appeal: LegacyAppeal, user: User) -> legacy_identity.IdentityMismatch | None:
    """S2 for the page: why ``user`` is not the person of the appeal's legacy account."""
    account = legacy_account(appeal)
    if account is None:
        return None
    return legacy_identity.owner_refusal(account, legacy_identity.of_user(user))


def link_to(
    appeal: LegacyAppeal,
    user_id: int,
    *,
    override: bool = False,
    reason: str | None = None,
    admin_id: int | None = None,
) -> User:
    """Link the appeal's legacy account to the citizen account ``user_id`` (L3 through
    ``link``). Not the legacy account's person (S2): ``appeal.person_mismatch`` unless
    ``override``; ``overrode`` records only an override that was needed."""
    account = _known(appeal)
    user = db.session.get(User, user_id) if 0 < user_id <= 2**31 - 1 else None
    if user is None:
        raise ValidationError(NO_SUCH_USER, "user_id")
    mismatch = person_refusal(appeal, user)
    if mismatch is not None and mismatch.code in BEYOND_OVERRIDE:
        raise mismatch
    if mismatch is not None and not override:
        raise DomainError(PERSON_MISMATCH)

    def work() -> None:
        _claim(
            appeal,
            admin_id,
            OUTCOME_LINKED,
            linked_user_id=user.id,
            overrode=mismatch is not None,
            reason=(reason or "").strip() or None,
        )
        check_linkable(account)
        link(user, account, supplemented=False)  # a decision, not a supplementation

    _decide(appeal, work)
    _notify(appeal, SMS_LINKED)
    return user


def corrections(
    account: LegacyAccount,
    *,
    name: str = "",
    id_type: str = "",
    id_number: str = "",
    uscc: str = "",
) -> dict[str, Any]:
    """The legacy account's new values, parsed, validated and sealed as the importer does
    (``rows``); a value the importer would drop or warn about is refused
    (``appeal.correction_refused`` on its field) rather than stored."""
    ctx = rows.Context.current()
    out = rows.LegacyRow(account.account_key, {})
    values: dict[str, Any] = {}
    if (name or "").strip():
        values["name"] = rows.name_as_imported(name, out)
        if out.warnings:
            raise ValidationError(CORRECTION_REFUSED, "name")
    for column, given in (("id_number", id_number), ("uscc", uscc)):
        if not (given or "").strip():
            continue
        cells = {"id_type": "", "id_number": "", "uscc": "", "filed_uscc": ""}
        cells[column] = rows.text(given, column)
        if column == "id_number":
            cells["id_type"] = rows.text(id_type or "", "id_type")
        found = rows.LegacyRow(account.account_key, {})
        rows.identity_as_imported(cells, account.kind, found, ctx)
        if any(w.code.startswith("import.dropped") for w in found.warnings):
            raise ValidationError(CORRECTION_REFUSED, column)
        prefix = "id_" if column == "id_number" else "uscc_"  # id_type with id_number_*
        values.update({k: v for k, v in found.values.items() if k.startswith(prefix)})
    if not values:
        raise ValidationError(NOTHING_CORRECTED, "name")
    return values


def correct(
    appeal: LegacyAppeal,
    *,
    name: str = "",
    id_type: str = "",
    id_number: str = "",
    uscc: str = "",
    reason: str | None = None,
    admin_id: int | None = None,
) -> list[str]:
    """Correct the appeal's legacy account as the decision says; returns the corrected fields'
    names (recorded on the appeal and in the audit entry; never their values)."""
    account = _known(appeal)
    values = corrections(account, name=name, id_type=id_type, id_number=id_number, uscc=uscc)
    fields = [
        f
        for f in CORRECTABLE
        if (f == "name" and "name" in values)
        or (f == "id_number" and "id_number_enc" in values)
        or (f == "uscc" and "uscc_enc" in values)
    ]

    def work() -> None:
        _claim(
            appeal,
            admin_id,
            OUTCOME_CORRECTED,
            corrected=fields,
            reason=(reason or "").strip() or None,
        )
        for key, value in values.items():
            setattr(account, key, value)
        account.updated_at = from_timestamp(services().clock.now())

    _decide(appeal, work)
    _notify(appeal, SMS_CORRECTED)
    return fields


def pending_appeals(status: str | None = PENDING) -> list[LegacyAppeal]:
    """The appeals of ``status`` (all when None), oldest first."""
    query = select(LegacyAppeal)
    if status is not None:
        query = query.where(LegacyAppeal.status == status)
    return list(db.session.scalars(query.order_by(LegacyAppeal.created_at, LegacyAppeal.id)))


def counts() -> dict[str, int]:
    """How many appeals there are of each status (one grouped query)."""
    found = db.session.execute(
        select(LegacyAppeal.status, func.count()).group_by(LegacyAppeal.status)
    )
    return {status: int(n) for status, n in found}
