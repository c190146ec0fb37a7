"""Development-only pages. ``/dev/outbox`` lists the latest SMS and mail that the outbox
adapters kept instead of sending (S7), so a developer can read a verification code.

404 whenever no outbox backend is configured; production never has one (check_production).
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, render_template
from flask_babel import gettext as _

from ..services import services

bp = Blueprint("dev", __name__, url_prefix="/dev")
BEIJING = dt.timezone(dt.timedelta(hours=8))
SHOWN = 50


def _when(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, BEIJING).strftime("%Y-%m-%d %H:%M:%S")


@bp.get("/outbox")
def outbox():
    svc = services()
    boxes = []
    for name, title in (("sms", _("短信")), ("mail", _("邮件"))):
        box = getattr(svc.wired(name), "outbox", None)
        if box is not None:
            messages = [{**m, "when": _when(m["at"])} for m in box.latest(SHOWN)]
            boxes.append({"kind": name, "title": title, "messages": messages})
    if svc.settings.production or not boxes:
        abort(404)
    return render_template("dev/outbox.html", boxes=boxes)
