"""``record``: the one way to write an audit trail entry (issue 12, "Audit").

The entry is inserted at once into the current transaction (unsealed, ``idp.domain.trail``). A refusal or failure
is also queued with ``transaction.after_rollback``: if the unit rolls back (a failed login's
error page), the entry is written again in a short transaction of its own, so it stands. An
``ok`` entry stands or falls with the event it records.

``detail`` is small and never holds a secret or a full identifier: keys that name one
(``FORBIDDEN``) are refused outright — pass a masked form under another key (``recipient``,
``identifier``: ``mask``). Values are numbers, booleans, short strings or lists of them.

Example::

    record(events.PASSWORD_CHANGED, subject=user.id, reason="password_changed", revoked=2)
"""

from __future__ import annotations

import json
import logging
from typing import Any, cast

from sqlalchemy import Table, insert

from ...extensions import db
from ...services import services
from .. import transaction
from ..models import AuditEntry
from . import context
from .events import EVENTS, OK, RESULTS

log = logging.getLogger("idp.audit")

FORBIDDEN = frozenset(
    {
        "password",
        "code",
        "token",
        "secret",
        "id_number",
        "phone",
        "mobile",
        "email",
        "refresh_token",
        "access_token",
    }
)
MAX_TEXT = 200


def canonical_detail(detail: dict[str, Any]) -> str:
    return json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def record(
    event: str,
    *,
    result: str = OK,
    subject: int | None = None,
    actor: str | None = None,
    client: str | None = None,
    **detail: Any,
) -> None:
    """Write one entry of ``event`` about the user ``subject`` (actor: the origin's, else the
    subject); see the module docstring for what survives a rollback."""
    if event not in EVENTS or result not in RESULTS:
        raise ValueError(f"unknown audit event or result: {event!r} {result!r}")
    bad = FORBIDDEN.intersection(detail)
    if bad:
        raise ValueError(f"audit detail may not hold {sorted(bad)}")
    origin = context.current()
    if actor is None:
        actor = origin.actor if origin is not None and origin.actor else None
        if actor is None and subject is not None:
            actor = f"user:{subject}"
    values = {
        "at": int(services().now()),
        "event": event,
        "actor": actor,
        "subject_id": subject,
        "client_id": client,
        "ip": origin.ip if origin is not None else None,
        "result": result,
        "detail": canonical_detail({k: _small(v) for k, v in detail.items()}),
    }
    _insert(values)
    log.info(
        "event=%s result=%s subject=%s client=%s detail=%s",
        event,
        result,
        subject,
        client,
        values["detail"],
    )
    if result != OK:
        transaction.after_rollback(lambda: _insert(values))


def _insert(values: dict[str, Any]) -> None:
    """One INSERT now, without flushing what the caller has pending: an entry is never part
    of a flush that a later savepoint decides (and rolls back), and it never makes the
    caller's own rows flush earlier than the caller meant."""
    with db.session.no_autoflush:
        db.session.execute(insert(cast(Table, AuditEntry.__table__)).values(**values))


def _small(value: Any) -> Any:
    if isinstance(value, str):
        return value[:MAX_TEXT]
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else list(value)
        return [_small(v) for v in items]
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)[:MAX_TEXT]


def mask(value: str) -> str:
    """A login identifier as far as the trail may keep it: a mobile ``138****5678``, an
    e-mail ``a***@example.cn``, anything else its first two and last two characters."""
    if "@" in value:
        local, _, domain = value.partition("@")
        return local[:1] + "***@" + domain
    if len(value) <= 4:
        return "*" * len(value)
    if len(value) == 11 and value.isdigit():
        return value[:3] + "****" + value[-4:]
    return value[:2] + "*" * (len(value) - 4) + value[-2:]
