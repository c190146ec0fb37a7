"""The captcha adapter (domain.md, login rules G: 验证码 on the legal-person and agency
entries, and on the personal entry after failures): a real PNG, answers without look-alikes,
case-insensitive, single use under concurrency, expiry by the clock, the answer only as a keyed
digest in the store, and a deterministic mode that production refuses. The image is legible
(dark glyphs side by side, never overlapping); the audio alternative (issue 13) is a real WAV
of six digits, answered like the image, its answer sealed in the store.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import secrets
import threading
import wave

import pytest
from PIL import Image

from idp.adapters.captcha import ALPHABET, INK, PREFIX, ImageCaptchaAdapter
from idp.config import ConfigError, load_settings

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TTL = 300


class KnownAnswers(ImageCaptchaAdapter):
    """The real adapter, remembering the random answers it drew so tests can type them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.answers: list[str] = []

    def _answer(self) -> str:
        answer = super()._answer()
        self.answers.append(answer)
        return answer

    def _audio_answer(self) -> str:
        answer = super()._audio_answer()
        self.answers.append(answer)
        return answer


@pytest.fixture
def captcha(store, clock):
    return KnownAnswers(store, clock, key="test-captcha-key", ttl=TTL, length=4)


def _issue(captcha, audio: bool = False) -> tuple[str, str]:
    challenge_id = captcha.issue(audio=audio)
    return challenge_id, captcha.answers[-1]


def test_g_captcha_image_is_a_real_png(captcha):
    challenge_id, _ = _issue(captcha)
    png = captcha.image(challenge_id)
    assert png.startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(png)) as img:
        img.verify()
    with Image.open(io.BytesIO(png)) as img:
        assert img.format == "PNG" and img.size[0] >= 100 and img.size[1] >= 40


def test_g_captcha_answers_avoid_look_alike_characters(store, clock):
    assert not set("0O1Il") & set(ALPHABET)
    for length in (4, 5):
        c = KnownAnswers(store, clock, key="k", ttl=TTL, length=length)
        for _ in range(20):
            c.issue()
        assert all(len(a) == length and set(a) <= set(ALPHABET) for a in c.answers)
    assert len(set(c.answers)) > 1  # random, not fixed


@pytest.mark.parametrize("length", [3, 6])
def test_g_captcha_length_outside_four_to_five_is_refused(store, clock, length):
    with pytest.raises(ValueError, match="captcha.length"):
        ImageCaptchaAdapter(store, clock, key="k", length=length)


def test_g_captcha_single_use(captcha):
    challenge_id, answer = _issue(captcha)
    assert captcha.check(challenge_id, answer) is True
    assert captcha.check(challenge_id, answer) is False
    assert captcha.image(challenge_id) is None


def test_g_captcha_wrong_answer_burns_the_challenge(captcha):
    challenge_id, answer = _issue(captcha)
    wrong = "".join(ALPHABET[(ALPHABET.index(ch) + 1) % len(ALPHABET)] for ch in answer)
    assert captcha.check(challenge_id, wrong) is False
    assert captcha.check(challenge_id, answer) is False
    assert captcha.image(challenge_id) is None


@pytest.mark.parametrize("typed", ["k7mx", "K7MX", "k7Mx", " K7 mx "])
def test_g_captcha_is_case_insensitive(store, clock, typed):
    c = ImageCaptchaAdapter(store, clock, key="k", fixed_answer="K7MX")
    assert c.check(c.issue(), typed) is True


def test_g_captcha_random_answer_typed_in_lower_case_passes(captcha):
    for _ in range(5):
        challenge_id, answer = _issue(captcha)
        assert captcha.check(challenge_id, answer.lower()) is True


@pytest.mark.parametrize("typed", ["", None, "   "])
def test_g_captcha_empty_answer_fails_and_burns(captcha, typed):
    challenge_id, answer = _issue(captcha)
    assert captcha.check(challenge_id, typed) is False
    assert captcha.check(challenge_id, answer) is False


def test_g_captcha_unknown_challenge_is_refused(captcha):
    assert captcha.check(secrets.token_urlsafe(18), "2345") is False
    assert captcha.image(secrets.token_urlsafe(18)) is None


def test_g_captcha_expires_after_ttl(captcha, clock):
    early, early_answer = _issue(captcha)
    late, late_answer = _issue(captcha)
    clock.advance(TTL - 1)
    assert captcha.check(early, early_answer) is True
    clock.advance(1)
    assert captcha.image(late) is None
    assert captcha.check(late, late_answer) is False


def test_g_captcha_concurrent_checks_pass_once(captcha):
    challenge_id, answer = _issue(captcha)
    results, start = [], threading.Barrier(8)

    def attempt():
        start.wait()
        results.append(captcha.check(challenge_id, answer))

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 7 + [True]


def test_g_captcha_answer_is_not_stored_in_clear(captcha, store):
    challenge_id, answer = _issue(captcha)
    raw = store.get(PREFIX + challenge_id)
    record = json.loads(raw)
    assert base64.b64decode(record["png"]).startswith(PNG_SIGNATURE)
    readable = raw.replace(record["png"], "")
    for form in (answer, answer.lower(), hashlib.sha256(answer.encode()).hexdigest()):
        assert form not in readable
    assert record["digest"] != hashlib.sha256(f"{challenge_id}:{answer}".encode()).hexdigest()


def test_g_captcha_discard_removes_the_challenge(captcha):
    challenge_id, answer = _issue(captcha)
    captcha.discard(challenge_id)
    assert captcha.image(challenge_id) is None
    assert captcha.check(challenge_id, answer) is False


def test_g_captcha_deterministic_mode_answers_the_fixed_string(store, clock):
    c = ImageCaptchaAdapter(store, clock, key="k", fixed_answer="2468")
    first, second = c.issue(), c.issue()
    assert c.image(first).startswith(PNG_SIGNATURE)
    assert c.check(first, "2468") is True
    assert c.check(second, "2469") is False


def test_g_captcha_deterministic_mode_needs_an_answer(store, clock):
    with pytest.raises(ValueError, match="deterministic_answer"):
        ImageCaptchaAdapter(store, clock, key="k", fixed_answer="  ")


def _production(**captcha) -> dict:
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    return {
        "env": "production",
        "issuer": "https://id.example.gov.cn",
        "secret_key": secrets.token_urlsafe(48),
        "database_url": "postgresql+psycopg://idp:pw@db.invalid:5432/idp",
        "store_url": "redis://redis.invalid:6379/0",
        "encryption_key_current": "k1",
        "encryption_keys": {"k1": key},
        "secrets": {
            "blind_index_key": secrets.token_urlsafe(48),
            "client_secret_pepper": secrets.token_urlsafe(48),
        },
        "captcha": captcha,
    }


def _production_problems(config: dict) -> str:
    """The production guard's complaint ("" when none); other guards may list more."""
    try:
        load_settings(config, environ={})
    except ConfigError as exc:
        return str(exc)
    return ""


def test_g_captcha_deterministic_mode_is_refused_in_production():
    assert "captcha" not in _production_problems(_production())
    assert "captcha" not in _production_problems(_production(deterministic=False))
    with pytest.raises(ConfigError, match="captcha.deterministic") as refused:
        load_settings(_production(deterministic=True), environ={})
    assert str(refused.value).startswith("refusing to start in production")
    with pytest.raises(ConfigError, match="captcha.deterministic"):
        load_settings(environ={"IDP_ENV": "production", "IDP_CAPTCHA_DETERMINISTIC": "true"})


def test_g_captcha_deterministic_mode_is_allowed_in_development():
    settings = load_settings({"captcha": {"deterministic": True}}, environ={})
    assert settings.captcha.deterministic is True
    assert settings.captcha.deterministic_answer == "2468"


# --- legible image and the audio alternative (issue 13) ----------------------------------------


def _ink_runs(png: bytes) -> list[int]:
    """The widths of the runs of columns holding ink (pixels near the glyphs' colour): one run
    per glyph when no two glyphs touch."""
    with Image.open(io.BytesIO(png)) as img:
        rgb = img.convert("RGB")
        width, height = rgb.size
        pixels = rgb.load()
        inked = [
            any(sum(abs(a - b) for a, b in zip(pixels[x, y], INK)) < 150 for y in range(height))
            for x in range(width)
        ]
    runs, run = [], 0
    for has_ink in [*inked, False]:
        if has_ink:
            run += 1
        elif run:
            runs.append(run)
            run = 0
    return runs


@pytest.mark.parametrize("length", [4, 5])
def test_g_captcha_image_glyphs_stand_apart(store, clock, length):
    """Legible: each character in its own place, no two overlapping or touching."""
    c = KnownAnswers(store, clock, key="k", ttl=TTL, length=length)
    for _ in range(25):
        challenge_id, _answer = _issue(c)
        runs = _ink_runs(c.image(challenge_id))
        assert len([r for r in runs if r >= 6]) == length, runs  # six px: a glyph, not a speck


def test_g_captcha_image_ink_has_strong_contrast():
    """The glyphs' colour against the lightest and the darkest ground the image draws."""

    def luminance(rgb):
        def channel(c):
            c /= 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = (channel(c) for c in rgb)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    for ground in ((255, 255, 255), (236, 236, 236)):
        ratio = (luminance(ground) + 0.05) / (luminance(INK) + 0.05)
        assert ratio >= 7, ratio  # WCAG's enhanced 7:1, beyond AA's 4.5:1


def test_g_captcha_audio_is_a_wav_of_six_digits(captcha):
    challenge_id, answer = _issue(captcha, audio=True)
    assert len(answer) == 6 and answer.isdigit()
    sound = captcha.audio(challenge_id)
    with wave.open(io.BytesIO(sound)) as wav:
        seconds = wav.getnframes() / wav.getframerate()
    assert sound[:4] == b"RIFF" and 4 < seconds < 30
    assert captcha.audio(challenge_id)[:4] == b"RIFF"  # it plays again (new noise)
    assert captcha.image(challenge_id) is None  # nothing to see: it is the audio challenge


def test_g_captcha_audio_answered_like_the_image(captcha):
    challenge_id, answer = _issue(captcha, audio=True)
    assert captcha.audio(challenge_id) is not None
    assert captcha.check(challenge_id, answer) is True
    assert captcha.check(challenge_id, answer) is False  # single use, as the image
    assert captcha.audio(challenge_id) is None
    wrong_id, wrong = _issue(captcha, audio=True)
    assert captcha.check(wrong_id, str((int(wrong) + 1) % 10**6).zfill(6)) is False
    assert captcha.check(wrong_id, wrong) is False  # a wrong answer burns it


def test_g_captcha_audio_expires_and_image_challenges_have_no_sound(captcha, clock):
    challenge_id, _answer = _issue(captcha, audio=True)
    image_id, _ = _issue(captcha)
    assert captcha.audio(image_id) is None
    clock.advance(TTL)
    assert captcha.audio(challenge_id) is None


def test_g_captcha_audio_answer_is_sealed_in_the_store(captcha, store):
    challenge_id, answer = _issue(captcha, audio=True)
    raw = store.get(PREFIX + challenge_id)
    assert answer not in raw and "png" not in json.loads(raw)
    other = KnownAnswers(store, captcha.clock, key="another-key", ttl=TTL)
    assert other.audio(challenge_id) is None  # another key cannot open it
