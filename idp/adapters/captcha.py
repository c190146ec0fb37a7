"""The captcha of the login page and the other forms that show one (login rules G; the
``Captcha`` port): an image, or for who cannot see it an audio challenge (docs/accounts.md,
"Accessibility").

A challenge is a random id. Its record in the store holds a keyed digest of the answer (never
the answer itself), its deadline and the rendered PNG, so the image can be served later without
keeping the answer readable. ``check`` pops the record first: a checked challenge is gone
whether the answer was right or wrong, and of two concurrent checks only one sees it (the
store's pop is atomic). Validity follows the clock, the store TTL only collects garbage.

Image answers use an alphabet without look-alikes (no 0/O/Q, no 1/I/L) and are compared
case-insensitively. The image is drawn to be read (``LegibleImage``): dark glyphs on a light
ground, side by side without overlapping, little rotation, light noise that never crosses the
glyphs in their own colour.

An audio challenge (``issue(audio=True)``) is six digits read aloud by the voices the
``captcha`` package ships (English digits over light noise, generated here: no service, no
speech engine). A WAV of 100 KB or more is too large to keep per challenge, so its record holds
the answer sealed (AES-GCM under a key derived from the secret key, bound to the challenge id)
and ``audio`` renders it on each request: the same digits each time, so it can be replayed.

The deterministic mode (``captcha.deterministic``) always answers the configured string so
browser tests and the conformance harness can pass; production refuses it
(``idp.config.check_production``).
"""

from __future__ import annotations

import base64
import hmac
import json
import os
import secrets

from captcha.audio import AudioCaptcha
from captcha.image import ImageCaptcha
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from PIL.Image import Image
from PIL.Image import new as new_image
from PIL.ImageDraw import Draw

from ..config import Settings
from ..domain import purposes
from ..domain.crypto import keyed_digest
from ..domain.identity.identifiers import normalize

ALPHABET = "23456789ABCDEFGHJKMNPRSTUVWXYZ"
AUDIO_ALPHABET = "0123456789"
AUDIO_LENGTH = 6  # 10^6 answers: as hard to guess as four characters of the image's 30
PREFIX = "captcha:"
GC_SLACK = 60
INK = (20, 33, 61)  # 16:1 on the lightest ground, 13.5:1 on the darkest (WCAG 1.4.3 wants 4.5)
NOISE = (196, 204, 216)  # dots and a curve paler than the glyphs, so they never look like one


def normalise(answer: str) -> str:
    """Full-width forms folded, spaces dropped, ASCII upper case; nothing else matches the
    ASCII alphabet, so other scripts' digits and letters never pass (identifiers.normalize)."""
    return normalize(str(answer))


class LegibleImage(ImageCaptcha):
    """``ImageCaptcha`` drawn to be read: one dark colour for the glyphs on a near-white
    ground; each glyph in its own slot of the width (no overlaps, no random spaces), rotated
    and warped a little; few, pale noise dots and one pale curve."""

    character_rotate = (-12, 12)
    character_warp_dx = (0.05, 0.12)
    character_warp_dy = (0.05, 0.12)
    word_space_probability = 0.0  # never: random spaces shift glyphs into each other
    word_offset_dx = 0.0

    def create_captcha_image(self, chars: str, color, background) -> Image:
        image = new_image("RGB", (self._width, self._height), background)
        draw = Draw(image)
        slot = self._width // max(1, len(chars))
        for i, c in enumerate(chars):
            glyph = self._draw_character(c, draw, color)
            w, h = glyph.size
            if w > slot - 4:  # keep a gap of at least 4 px between slots
                glyph = glyph.resize((slot - 4, max(1, h * (slot - 4) // w)))
                w, h = glyph.size
            x = i * slot + (slot - w) // 2
            # the glyph's own coverage as the mask (the library's, from its luminance, would
            # paint dark ink faint)
            image.paste(glyph, (x, (self._height - h) // 2), glyph.getchannel("A"))
        return image

    def generate_image(self, chars: str, bg_color=None, fg_color=None) -> Image:
        background = bg_color or tuple(236 + secrets.randbelow(20) for _ in range(3))
        image = self.create_captcha_image(chars, fg_color or INK, background)
        self.create_noise_dots(image, NOISE, width=2, number=12)
        self.create_noise_curve(image, NOISE)
        return image


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
        self.renderer = LegibleImage(width=48 * self.length, height=64, font_sizes=(40, 44, 48))
        self.speaker = AudioCaptcha()  # the package's own voices: 0-9 and A-Z
        # the audio answers' seal: its own key, derived from the secret key
        self.seal = AESGCM(bytes.fromhex(keyed_digest(key, "audio answer seal", purposes.CAPTCHA)))

    def _digest(self, challenge_id: str, answer: str) -> str:
        return keyed_digest(self.key, f"{challenge_id}:{normalise(answer)}", purposes.CAPTCHA)

    def _answer(self) -> str:
        if self.fixed_answer is not None:
            return self.fixed_answer
        return "".join(secrets.choice(ALPHABET) for _ in range(self.length))

    def _audio_answer(self) -> str:
        if self.fixed_answer is not None:
            return self.fixed_answer
        return "".join(secrets.choice(AUDIO_ALPHABET) for _ in range(AUDIO_LENGTH))

    def issue(self, audio: bool = False) -> str:
        """A new challenge; returns its id (the page embeds the image or audio URL made from
        it). An image challenge keeps its PNG; an audio one its sealed answer (``audio``)."""
        challenge_id = secrets.token_urlsafe(18)
        answer = self._audio_answer() if audio else self._answer()
        record = {
            "digest": self._digest(challenge_id, answer),
            "expires": int(self.clock.now()) + self.ttl,
        }
        if audio:
            nonce = os.urandom(12)
            sealed = nonce + self.seal.encrypt(nonce, answer.encode(), challenge_id.encode())
            record["sealed"] = base64.b64encode(sealed).decode()
        else:
            png = self.renderer.generate(answer, format="png").getvalue()
            record["png"] = base64.b64encode(png).decode()
        self.store.set(PREFIX + challenge_id, json.dumps(record), ttl=self.ttl + GC_SLACK)
        return challenge_id

    def _live(self, raw: str | None) -> dict | None:
        if raw is None:
            return None
        record = json.loads(raw)
        return record if record["expires"] > self.clock.now() else None

    def image(self, challenge_id: str) -> bytes | None:
        """The PNG of a live image challenge, or None when it is unknown, used or expired."""
        record = self._live(self.store.get(PREFIX + challenge_id))
        return base64.b64decode(record["png"]) if record and "png" in record else None

    def audio(self, challenge_id: str) -> bytes | None:
        """The WAV of a live audio challenge (its digits, new noise each time), or None."""
        record = self._live(self.store.get(PREFIX + challenge_id))
        if record is None or "sealed" not in record:
            return None
        sealed = base64.b64decode(record["sealed"])
        try:
            answer = self.seal.decrypt(sealed[:12], sealed[12:], challenge_id.encode()).decode()
        except InvalidTag:  # sealed under another secret key (changed meanwhile)
            return None
        return bytes(self.speaker.generate(answer))

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
