"""The development outbox: messages kept in the store instead of being sent (S7).

Tests read what was "sent" and ``/dev/outbox`` lists it. A capped list per kind ("sms",
"mail"), newest first. Never in production: ``check_production`` refuses an outbox backend.
"""

from __future__ import annotations

import json


class Outbox:
    def __init__(self, store, clock, kind: str, keep: int = 200):
        self.store, self.clock, self.kind, self.keep = store, clock, kind, int(keep)
        self.key = f"outbox:{kind}"

    def put(self, message: dict) -> None:
        entry = {**message, "at": self.clock.now()}
        self.store.lpush_capped(self.key, json.dumps(entry, ensure_ascii=False), self.keep)

    def latest(self, limit: int = 50) -> list[dict]:
        """The newest ``limit`` messages, newest first."""
        return [json.loads(item) for item in self.store.lrange(self.key, limit)]

    def clear(self) -> None:
        self.store.delete(self.key)
