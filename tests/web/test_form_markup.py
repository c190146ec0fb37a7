"""The markup every citizen form shares (issue 13; templates/_form.html, docs/accounts.md
"Accessibility"), read from the pages as served, without script:

- the error summary at the top of a form lists each error, a field's as a link to the field;
- a wrong field says so (aria-invalid) and names its error and hint (aria-describedby);
- every field has its label; the captcha has its hint and the audio way, which works without
  script (a link to a new audio challenge, in a new window);
- in a form with several submit buttons the first, the one Enter presses, is the main action
  (a copy hidden from view and from assistive technology), never a send-code or refresh one;
- each send-code button has its live region for the answer forms.js gets.
"""

from __future__ import annotations

import re

import pytest

from support import html_of

ANSWER = "2468"
PAGES = [
    "/login",
    "/login?method=legacy",
    "/login?entry=legal",
    "/login?entry=legal&method=handler",
    "/login?entry=agency&method=legacy",
    "/register",
    "/register/person",
    "/register/org/legal",
    "/register/org/foreign",
    "/appeal",
    "/appeal/status",
    "/login/forgot/legacy",
]
# a form's own buttons: (tag, name) of the first submit button, which Enter presses
MAIN_FIRST = {
    "/register/person": "submit",
    "/register/org/legal": "submit",
    "/register/org/foreign": "submit",
    "/appeal": "submit",
}


@pytest.fixture
def settings_overrides():
    return {"captcha": {"deterministic": True, "deterministic_answer": ANSWER}}


def forms_of(html: str) -> list[str]:
    return [
        f for f in re.findall(r"<form.*?</form>", html, flags=re.S) if 'id="text-size"' not in f
    ]


def fields_of(form: str) -> list[str]:
    tags = re.findall(r"<(?:input|select|textarea)\b[^>]*>", form)
    return [t for t in tags if not re.search(r'type="(hidden|submit)"', t)]


def attr(tag: str, name: str) -> str | None:
    found = re.search(rf'\b{name}="([^"]*)"', tag)
    return found.group(1) if found else None


@pytest.mark.parametrize("path", PAGES)
def test_every_field_has_its_label_and_each_description_exists(client, path):
    html = html_of(client.get(path))
    for form in forms_of(html):
        for tag in fields_of(form):
            field_id = attr(tag, "id")
            assert (
                field_id
                and f'<label for="{field_id}"' in html
                or (
                    attr(tag, "type") in ("checkbox", "radio")  # inside its label
                    and re.search(rf'<label class="check">\s*{re.escape(tag)}', html)
                )
            ), (path, tag)
            for described in (attr(tag, "aria-describedby") or "").split():
                assert f'id="{described}"' in html, (path, tag, described)


@pytest.mark.parametrize("path", sorted(MAIN_FIRST))
def test_enter_presses_the_main_action_first(client, path):
    form = forms_of(html_of(client.get(path)))[0]
    buttons = re.findall(r'<button type="submit"[^>]*>[^<]*</button>', form)
    first = buttons[0]
    assert attr(first, "name") == MAIN_FIRST[path] and "formaction" not in first
    assert attr(first, "tabindex") == "-1" and attr(first, "aria-hidden") == "true"
    visible = [b for b in buttons[1:] if "primary" in (attr(b, "class") or "")]
    assert re.sub(r"<[^>]+>", "", first) == re.sub(r"<[^>]+>", "", visible[0])  # same words
    for send in re.findall(r"<button[^>]*data-send-code[^>]*>", form):
        assert "formaction" in send  # without script it posts the form to its own URL


def test_send_code_buttons_have_a_live_region(client):
    form = forms_of(html_of(client.get("/register/person")))[0]
    sends = re.findall(r"<button[^>]*data-send-code[\s\S]*?</button>\s*<p[^>]*>", form)
    assert len(sends) == 2
    for send in sends:
        assert send.endswith('<p class="send-status" role="status" data-send-status>')


def test_error_summary_links_each_wrong_field(client):
    page = client.get("/register/person")
    token = re.search(r'name="csrf_token" value="([^"]+)"', html_of(page)).group(1)
    html = html_of(
        client.post("/register/person", data={"csrf_token": token, "submit": "1", "password": "x"})
    )
    summary = re.search(r'<div class="error-summary".*?</div>', html, flags=re.S).group(0)
    assert 'tabindex="-1"' in summary and 'role="alert"' in summary
    assert "<h2" in summary and "请更正以下问题" in summary
    targets = re.findall(r'<a href="#([\w-]+)">', summary)
    assert {"name", "phone", "password", "agreed"} <= set(targets)
    for target in targets:
        tag = re.search(rf'<(?:input|select|textarea)\b[^>]*\bid="{target}"[^>]*>', html).group(0)
        assert attr(tag, "aria-invalid") == "true"
        assert f"{target}-error" in attr(tag, "aria-describedby").split()
        assert re.search(rf'<p class="error" id="{target}-error">[^<]+</p>', html)
    password = re.search(r'<input[^>]*\bid="password"[^>]*>', html).group(0)
    assert attr(password, "aria-describedby") == "password-hint password-error"


def test_a_wrong_captcha_is_its_fields_error_linked_from_the_summary(client):
    page = client.get("/login?entry=legal")
    token = re.search(r'name="csrf_token" value="([^"]+)"', html_of(page)).group(1)
    html = html_of(
        client.post(
            "/login?entry=legal",
            data={"csrf_token": token, "identifier": "x", "password": "y", "captcha": "0000"},
        )
    )
    summary = re.search(r'<div class="error-summary".*?</div>', html, flags=re.S).group(0)
    assert re.search(r'<ul>\s*<li><a href="#captcha">验证码错误，请重新输入。</a></li>', summary)
    captcha = re.search(r'<input[^>]*\bid="captcha"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in captcha and "captcha-error" in captcha


def test_g_captcha_has_its_hint_and_an_audio_way_without_script(client):
    html = html_of(client.get("/login?entry=legal"))
    captcha = re.search(r'<input[^>]*\bid="captcha"[^>]*>', html).group(0)
    assert attr(captcha, "aria-describedby") == "captcha-hint"
    assert re.search(r'<p class="hint" id="captcha-hint">[^<]+</p>', html)
    link = re.search(r'<a href="/captcha/audio"[^>]*>', html).group(0)
    assert attr(link, "target") == "_blank" and attr(link, "rel") == "noopener"
    assert "（在新窗口打开）" in html
    audio = client.get("/captcha/audio")
    assert audio.status_code == 303 and client.get(audio.location).mimetype == "audio/wav"
