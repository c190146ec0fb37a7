"""The login page's image captcha over HTTP (domain.md, login rules G): the challenge is bound
to the browser that got it through the signed Flask session, its PNG is served only to that
browser and never cached, and the form's check (``captcha_ok``) passes once. These tests run
the deterministic mode (answer "2468") that browser tests and the conformance harness use.
"""

from __future__ import annotations

import io
import re

import pytest
from flask import jsonify, request
from PIL import Image

from idp.web.login import captcha as captcha_routes
from idp.web.login.captcha import captcha_ok, issue

ANSWER = "2468"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def settings_overrides():
    return {"captcha": {"deterministic": True, "deterministic_answer": ANSWER, "ttl": 120}}


@pytest.fixture
def check_route(app):
    """A stand-in for the login form's validator (wired into the login page later)."""
    app.add_url_rule(
        "/_test/captcha-check",
        "test_captcha_check",
        lambda: jsonify(ok=captcha_ok(request.args.get("answer"))),
    )
    app.add_url_rule(
        "/_test/captcha-page", "test_captcha_page", lambda: f'<img src="{issue()}" alt="验证码">'
    )
    return "/_test/captcha-check"


def _new(browser) -> dict:
    response = browser.get("/captcha/new")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()


def _check(browser, answer) -> bool:
    return browser.get("/_test/captcha-check", query_string={"answer": answer}).get_json()["ok"]


def test_g_captcha_image_is_a_real_png_and_not_cached(client):
    issued = _new(client)
    assert issued["image_url"] == f"/captcha/{issued['id']}.png"
    response = client.get(issued["image_url"])
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.data.startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(response.data)) as img:
        assert img.format == "PNG"


def test_g_captcha_page_embeds_an_image_without_javascript(app, check_route):
    browser = app.test_client()
    html = browser.get("/_test/captcha-page").get_data(as_text=True)
    src = html.split('src="')[1].split('"')[0]
    assert browser.get(src).data.startswith(PNG_SIGNATURE)
    assert _check(browser, ANSWER) is True


def test_g_captcha_single_use(client, check_route):
    _new(client)
    assert _check(client, ANSWER) is True
    assert _check(client, ANSWER) is False


def test_g_captcha_wrong_answer_burns_the_challenge(client, check_route):
    issued = _new(client)
    assert _check(client, "9999") is False
    assert _check(client, ANSWER) is False
    assert client.get(issued["image_url"]).status_code == 404


@pytest.mark.parametrize(
    "settings_overrides", [{"captcha": {"deterministic": True, "deterministic_answer": "K7MX"}}]
)
def test_g_captcha_is_case_insensitive(client, check_route):
    _new(client)
    assert _check(client, "k7mX") is True


def test_g_captcha_expires_after_ttl(client, check_route, clock):
    issued = _new(client)
    clock.advance(120)
    assert client.get(issued["image_url"]).status_code == 404
    assert _check(client, ANSWER) is False


def test_g_captcha_of_another_browser_is_refused(app, check_route):
    alice, mallory = app.test_client(), app.test_client()
    issued = _new(alice)
    assert mallory.get(issued["image_url"]).status_code == 404
    assert _check(mallory, ANSWER) is False  # mallory's session holds no challenge
    _new(mallory)
    assert mallory.get(issued["image_url"]).status_code == 404
    assert alice.get(issued["image_url"]).status_code == 200
    assert _check(alice, ANSWER) is True


def test_g_captcha_new_challenge_replaces_the_previous_one(client, check_route):
    first = _new(client)
    second = _new(client)
    assert first["id"] != second["id"]
    assert client.get(first["image_url"]).status_code == 404
    assert client.get(second["image_url"]).status_code == 200
    assert _check(client, ANSWER) is True


def test_g_captcha_check_without_a_challenge_fails(client, check_route):
    assert _check(client, ANSWER) is False
    assert client.get("/captcha/not-a-challenge.png").status_code == 404


# --- the audio alternative (issue 13; docs/accounts.md, "Accessibility") -----------------------


def test_g_captcha_audio_replaces_the_image_and_is_answered_in_the_same_field(app, check_route):
    alice, mallory = app.test_client(), app.test_client()
    image = _new(alice)
    response = alice.get("/captcha/new", query_string={"audio": "1"})
    assert response.headers["Cache-Control"] == "no-store"
    audio = response.get_json()
    assert audio["audio_url"] == f"/captcha/{audio['id']}.wav" and "image_url" not in audio
    sound = alice.get(audio["audio_url"])
    assert sound.status_code == 200 and sound.mimetype == "audio/wav"
    assert sound.headers["Cache-Control"] == "no-store" and sound.data[:4] == b"RIFF"
    assert alice.get(image["image_url"]).status_code == 404  # one challenge per browser
    assert alice.get(f"/captcha/{audio['id']}.png").status_code == 404  # nothing to see
    assert mallory.get(audio["audio_url"]).status_code == 404  # bound to alice's browser
    assert _check(alice, ANSWER) is True
    assert alice.get(audio["audio_url"]).status_code == 404  # used up, like the image


def test_g_captcha_audio_without_script_is_a_link_to_a_new_sound(client, check_route):
    _new(client)
    response = client.get("/captcha/audio")
    assert response.status_code == 303 and response.headers["Cache-Control"] == "no-store"
    assert re.fullmatch(r"/captcha/[\w-]+\.wav", response.location)
    assert client.get(response.location).mimetype == "audio/wav"
    assert client.get(response.location).status_code == 200  # plays again
    assert _check(client, ANSWER) is True


def test_g_captcha_audio_of_an_unknown_challenge_is_404(client):
    assert client.get("/captcha/not-a-challenge.wav").status_code == 404


def test_g_captcha_audio_plays_are_bounded_per_challenge(client, check_route):
    """A sound is rendered anew at each play: a few plays a challenge (to listen again), never
    enough to average its noise away; a new challenge plays again."""
    url = client.get("/captcha/new", query_string={"audio": "1"}).get_json()["audio_url"]
    for _ in range(captcha_routes.PLAYS):
        assert client.get(url).status_code == 200
    refused = client.get(url)
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    assert refused.headers["Cache-Control"] == "no-store"
    again = client.get("/captcha/new", query_string={"audio": "1"}).get_json()["audio_url"]
    assert client.get(again).status_code == 200


def test_g_captcha_audio_plays_are_bounded_per_address(app, clock, monkeypatch):
    """Each browser's challenges are its own, but one address cannot make the IdP render more
    than PLAYS_PER_ADDRESS sounds in a window: the route is no CPU sink."""
    monkeypatch.setattr(captcha_routes, "PLAYS_PER_ADDRESS", 4)  # fewer renders to wait for

    def new_sound():
        browser = app.test_client()  # a fresh browser, a fresh challenge, the same address
        url = browser.get("/captcha/new", query_string={"audio": "1"}).get_json()["audio_url"]
        return browser.get(url).status_code

    assert [new_sound() for _ in range(4)] == [200] * 4
    assert new_sound() == 429
    clock.advance(captcha_routes.WINDOW)
    assert new_sound() == 200
