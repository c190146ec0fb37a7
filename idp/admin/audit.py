"""Every admin action is audited (issue 12): ``admin_audit`` writes its entry to the audit trail
(``idp.domain.trail``; the ``admin.*`` events of ``trail.events``) with the administrator as
the actor and the client IP the web edge put in the trail's context, plus a line on the
``idp.audit`` logger. A refusal's entry survives the rollback of its error page (``trail.record``).
Never pass a secret, a password, a TOTP code or a full ID number: ``trail.record`` refuses the
keys that name one."""

from __future__ import annotations

import logging
from typing import Any

from flask import g, has_request_context

from ..domain import trail

log = logging.getLogger("idp.audit")
RESULTS = {"success": trail.OK, "failure": trail.REFUSED, "refused": trail.REFUSED}


def admin_audit(event: str, *, result: str = "success", **fields: Any) -> None:
    """Record ``event`` (e.g. ``admin.login``) by the signed-in administrator, if any."""
    actor = g.get("admin") if has_request_context() else None
    trail.record(
        event,
        result=RESULTS[result],
        actor=f"admin:{actor.id}" if actor is not None else "admin:-",
        **fields,
    )
