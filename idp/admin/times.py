"""Times on the admin pages: a moment in Beijing time and an age in words (the office works in
Beijing time; the database keeps Unix seconds)."""

from __future__ import annotations

from flask_babel import gettext as _

from ..domain.identity.identifiers import beijing_date

BEIJING = 8 * 3600


def when(ts: float | None) -> str:
    """``2026-12-03 19:05`` (Beijing time), or a dash for no time."""
    if ts is None:
        return "—"
    seconds = (int(ts) + BEIJING) % 86400
    return f"{beijing_date(ts).isoformat()} {seconds // 3600:02d}:{seconds // 60 % 60:02d}"


def age(seconds: float) -> str:
    """How long, in the largest whole unit: days, hours, minutes, or seconds."""
    seconds = max(0, int(seconds))
    if seconds >= 86400:
        return _("%(n)s 天", n=seconds // 86400)
    if seconds >= 3600:
        return _("%(n)s 小时", n=seconds // 3600)
    if seconds >= 60:
        return _("%(n)s 分钟", n=seconds // 60)
    return _("%(n)s 秒", n=seconds)
