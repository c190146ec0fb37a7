"""The image captcha of the login page (login rules G; the ``Captcha`` port).

A challenge is a random id. Its record in the store holds a keyed digest of the answer (never
the answer itself), its deadline and the rendered PNG, so the image can be served later without
keeping the answer readable. ``check`` pops the record first: a checked challenge is gone
whether the answer was right or wrong, and of two concurrent checks only one sees it (the
store's pop is atomic). Validity follows the clock, the store TTL only collects garbage.

Answers use an alphabet without look-alikes (no 0/O/Q, no 1/I/L) and are compared
case-insensitively. The deterministic mode (``captcha.deterministic``) always answers the
configured string so browser tests and the conformance harness can pass; production refuses it
(``idp.config.check_production``).
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets

from captcha.image import ImageCaptcha

from ..config import Settings
from ..domain import purposes
from ..domain.crypto import keyed_digest
from ..domain.identity.identifiers import normalize

ALPHABET = "23456789ABCDEFGHJKMNPRSTUVWXYZ"
PREFIX = "captcha:"
GC_SLACK = 60


def normalise(answer: str) -> str:
    """Full-width forms folded, spaces dropped, ASCII upper case; nothing else matches the
    ASCII alphabet, so other scripts' digits and letters never pass (identifiers.normalize)."""
    return normalize(str(answer))


class ImageCaptchaAdapter:
    def __init__(
        self,
        store,
        clock,
        key: str,
        ttl: int = 300,
        length: int = 4,
        fixed_answer: str | None = None,
    ):
        if not 4 <= int(length) <= 5:
            raise ValueError("captcha.length must be 4 or 5")
        if fixed_answer is not None and not normalise(fixed_answer):
            raise ValueError("captcha.deterministic_answer must not be empty")
        self.store, self.clock, self.key = store, clock, key
        self.ttl, self.length = int(ttl), int(length)
        self.fixed_answer = normalise(fixed_answer) if fixed_answer is not None else None
        self.renderer = ImageCaptcha(width=40 * self.length, height=60)

    def _digest(self, challenge_id: str, answer: str) -> str:
        return keyed_digest(self.key, f"{challenge_id}:{normalise(answer)}", purposes.CAPTCHA)

    def _answer(self) -> str:
        if self.fixed_answer is not None:
            return self.fixed_answer
        return "".join(secrets.choice(ALPHABET) for _ in range(self.length))

    def issue(self) -> str:
        """A new challenge; returns its id (the page embeds the image URL made from it)."""
        challenge_id = secrets.token_urlsafe(18)
        answer = self._answer()
        png = self.renderer.generate(answer, format="png").getvalue()
        record = {
            "digest": self._digest(challenge_id, answer),
            "expires": int(self.clock.now()) + self.ttl,
            "png": base64.b64encode(png).decode(),
        }
        self.store.set(PREFIX + challenge_id, json.dumps(record), ttl=self.ttl + GC_SLACK)
        return challenge_id

    def _live(self, raw: str | None) -> dict | None:
        if raw is None:
            return None
        record = json.loads(raw)
        return record if record["expires"] > self.clock.now() else None

    def image(self, challenge_id: str) -> bytes | None:
        """The PNG of a live challenge, or None when it is unknown, used or expired."""
        record = self._live(self.store.get(PREFIX + challenge_id))
        return base64.b64decode(record["png"]) if record else None

    def check(self, challenge_id: str, answer: str) -> bool:
        """True once for the right answer of a live challenge; the challenge is gone after."""
        record = self._live(self.store.pop(PREFIX + challenge_id))
        if record is None or not normalise(answer or ""):
            return False
        return hmac.compare_digest(record["digest"], self._digest(challenge_id, answer))

    def discard(self, challenge_id: str) -> None:
        self.store.delete(PREFIX + challenge_id)


def make_captcha(settings: Settings, store, clock) -> ImageCaptchaAdapter:
    """The captcha the settings ask for (``[captcha]`` in idp/config/default.toml)."""
    fixed = settings.captcha.deterministic_answer if settings.captcha.deterministic else None
    return ImageCaptchaAdapter(
        store,
        clock,
        key=settings.secret_key,
        ttl=settings.captcha.ttl,
        length=settings.captcha.length,
        fixed_answer=fixed,
    )
