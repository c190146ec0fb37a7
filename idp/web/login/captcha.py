"""The captcha of the login page and of every form that shows one, bound to one browser
(login rules G), with its audio alternative (docs/accounts.md, "Accessibility").

Works without JavaScript: the login view calls ``issue()`` while rendering and embeds
``<img src="{{ captcha_url }}">``; ``issue`` keeps the challenge id in the signed Flask session,
and the image route serves a PNG only for the id this browser holds. The form's validator calls
``captcha_ok(value)``, which takes the id out of the session and checks it once. One challenge
per browser: a newer one replaces the older, so an id seen by another browser is useless.
``GET /captcha/new`` issues a fresh one for the "换一张" of forms.js (``?audio=1``: an audio
challenge for its "收听语音验证码"); without script ``GET /captcha/audio`` issues an audio
challenge and sends the browser (a new window of the form) to its sound. Either way the audio
challenge replaces the image one, and is answered in the same field: every throttle that
counts captcha answers counts it alike.

A sound is rendered anew for each play (about 0.2 s of CPU, with new noise), so plays are
bounded: ``PLAYS`` a challenge (enough to listen again; more would let a solver average the
noise away) and ``PLAYS_PER_ADDRESS`` per client address in ``WINDOW`` seconds (a stranger
cannot turn the route into a CPU sink). Past either, the answer is 429 with ``Retry-After``.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, redirect, request, session, url_for

from ...domain import purposes
from ...services import services
from ..client_ip import client_ip

bp = Blueprint("captcha", __name__)
SESSION_KEY = "captcha"
PLAYS = 3
PLAYS_PER_ADDRESS, WINDOW = 30, 600


def _captcha():
    return services().captcha


def issue(audio: bool = False) -> str:
    """Issue a challenge to this browser (replacing its previous one); returns the image URL,
    or the sound's for an audio challenge."""
    old = session.pop(SESSION_KEY, None)
    if old:
        _captcha().discard(old)
    challenge_id = _captcha().issue(audio=audio)
    session[SESSION_KEY] = challenge_id
    return url_for("captcha.sound" if audio else "captcha.image", challenge_id=challenge_id)


def captcha_ok(value) -> bool:
    """The answer typed into the form; True once for the right answer to this browser's
    challenge. Right or wrong, the challenge is used up: show a new one with the form."""
    challenge_id = session.pop(SESSION_KEY, None)
    if not challenge_id or not isinstance(value, str):
        return False
    return _captcha().check(challenge_id, value)


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/captcha/<challenge_id>.png")
def image(challenge_id: str):
    if session.get(SESSION_KEY) != challenge_id:
        abort(404)
    png = _captcha().image(challenge_id)
    if png is None:
        abort(404)
    return _no_store(Response(png, mimetype="image/png"))


def _may_play(challenge_id: str) -> bool:
    svc = services()
    window = int(svc.clock.now() // WINDOW)
    address = svc.blind_index(f"captcha-audio:{client_ip() or '-'}", purposes.THROTTLE)
    plays = svc.store.incr(f"captcha-plays:{challenge_id}", svc.settings.captcha.ttl + 60)
    near = svc.store.incr(f"captcha-plays-ip:{address}:{window}", WINDOW + 60)
    return plays <= PLAYS and near <= PLAYS_PER_ADDRESS


@bp.get("/captcha/<challenge_id>.wav")
def sound(challenge_id: str):
    if session.get(SESSION_KEY) != challenge_id:
        abort(404)
    if not _may_play(challenge_id):
        response = _no_store(Response("", status=429))
        response.headers["Retry-After"] = str(WINDOW)
        return response
    wav = _captcha().audio(challenge_id)
    if wav is None:
        abort(404)
    return _no_store(Response(wav, mimetype="audio/wav"))


@bp.get("/captcha/new")
def new():
    if request.args.get("audio"):
        url = issue(audio=True)
        return _no_store(jsonify(id=session[SESSION_KEY], audio_url=url))
    url = issue()
    return _no_store(jsonify(id=session[SESSION_KEY], image_url=url))


@bp.get("/captcha/audio")
def audio():
    """Without script: a new audio challenge for this browser, played where the link opened."""
    return _no_store(redirect(issue(audio=True), 303))
