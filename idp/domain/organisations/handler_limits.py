"""How often an organisation may name a registered handler (P3 经办人已注册), in the store.

Every attempt counts, whether or not the mobile and document belong to someone, so reaching a
limit tells a stranger nothing: per client IP per clock hour, per organisation per clock hour
and per Beijing day, and per target mobile (one attempt per ``codes.resend_interval`` seconds,
``handlers.per_target_day`` per Beijing day, summed over every organisation) — so no one can
make the IdP text a victim more than that. The IP is counted first, so a client over its own
limit cannot use up an organisation's or a victim's quota. Keys hold keyed digests only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..ports import Clock, Store
from ..verification.send_limits import BEIJING, TOO_FREQUENT, SendLimited, SendLimits

if TYPE_CHECKING:
    from ...config import Settings

__all__ = ["BindLimits", "SendLimited"]


class BindLimits(SendLimits):
    def __init__(self, store: Store, clock: Clock, settings: Settings) -> None:
        self.store, self.clock = store, clock
        handlers = settings.handlers
        self.interval = settings.codes.resend_interval
        self.ip_hour, self.org_hour = handlers.per_ip_hour, handlers.per_organisation_hour
        self.org_day, self.target_day = handlers.per_organisation_day, handlers.per_target_day

    # reuses SendLimits' counters under its own keys, not its take(): other arguments, no gap key
    def take(self, organisation: str, client: str, target: str) -> None:  # type: ignore[override]
        """Count one attempt (opaque digests of the organisation, the IP and the mobile) or
        raise ``SendLimited``."""
        now = self.clock.now()
        hour, day = int(now // 3600), int((now + BEIJING) // 86400)
        to_hour, to_day = (hour + 1) * 3600 - now, (day + 1) * 86400 - BEIJING - now
        self._count(f"hb:ih:{client}:{hour}", self.ip_hour, to_hour, 3600, TOO_FREQUENT)
        self._count(f"hb:oh:{organisation}:{hour}", self.org_hour, to_hour, 3600, TOO_FREQUENT)
        self._count(f"hb:od:{organisation}:{day}", self.org_day, to_day, 86400, None)
        gap = f"hb:gap:{target}"
        self._check_gap(gap, now)
        try:
            self._count(f"hb:td:{target}:{day}", self.target_day, to_day, 86400, None)
        except SendLimited:
            self.release(gap)
            raise
