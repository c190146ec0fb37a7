"""The seam to the audit trail: every admin action calls ``admin_audit`` (issue 12, "every admin
action is audited"). For now it writes one line on the ``idp.audit`` logger; the audit table
takes these events over without a change at the call sites. Never pass a secret, a password, a
TOTP code or a full ID number."""

from __future__ import annotations

import logging
from typing import Any

from flask import g, has_request_context, request

log = logging.getLogger("idp.audit")


def admin_audit(event: str, **fields: Any) -> None:
    """Record ``event`` (e.g. ``admin.login``) with who, from where, and ``fields``."""
    if has_request_context():
        actor = g.get("admin")
        fields.setdefault("by", actor.username if actor is not None else "-")
        fields.setdefault("ip", request.remote_addr or "unknown")
    detail = " ".join(f"{k}={v}" for k, v in sorted(fields.items()))
    log.info("admin event=%s %s", event, detail)
