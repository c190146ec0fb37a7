"""The 大字版 / Larger text toggle of every page's header (issue 13, 适老化; docs/accounts.md,
"Accessibility"): a CSRF-protected form POST that remembers the choice in a cookie for a year
and goes back to the page (a local GET page only, as the language switch); the page then
carries ``class="large-text"`` on ``<html>`` and the button says it is pressed. forms.js asks
for JSON and gets a 204, switching the class in place.
"""

from __future__ import annotations

import re

from support import html_of

TOGGLE = re.compile(r'<form id="text-size" method="post" action="([^"]+)"')


def toggle_of(client, path: str) -> tuple[str, str, str]:
    """(the form's action, its CSRF token, the value its button sends) on the page ``path``."""
    html = html_of(client.get(path))
    action = TOGGLE.search(html).group(1).replace("&amp;", "&")
    token = re.search(r'name="csrf_token" value="([^"]+)"', html.split('id="text-size"')[1])
    value = re.search(r'form="text-size" name="size" value="(\w+)"', html).group(1)
    return action, token.group(1), value


def pressed(html: str) -> str:
    return re.search(r'aria-pressed="(\w+)" data-text-size', html).group(1)


def test_larger_text_toggle_is_remembered_and_goes_back(client):
    page = html_of(client.get("/register/person"))
    assert 'class="large-text"' not in page and pressed(page) == "false"
    action, token, value = toggle_of(client, "/login?entry=legal")
    assert value == "large"
    switched = client.post(action, data={"csrf_token": token, "size": value})
    assert switched.status_code == 302 and switched.location == "/login?entry=legal"
    cookie = switched.headers["Set-Cookie"]
    assert "idp_text=large" in cookie and "HttpOnly" in cookie and "Max-Age=31536000" in cookie
    page = html_of(client.get("/register/person"))
    assert '<html lang="zh-CN" class="large-text">' in page and pressed(page) == "true"

    action, token, value = toggle_of(client, "/register/person")
    assert value == "normal"
    back = client.post(action, data={"csrf_token": token, "size": value})
    assert back.location == "/register/person"
    assert 'class="large-text"' not in html_of(client.get("/register/person"))


def test_larger_text_toggle_needs_the_csrf_token(client):
    action, _token, value = toggle_of(client, "/login")
    refused = client.post(action, data={"size": value})
    assert refused.status_code == 400 and "idp_text" not in refused.headers.get("Set-Cookie", "")


def test_larger_text_toggle_answers_script_with_204(client):
    _action, token, _value = toggle_of(client, "/login")
    answer = client.post(
        "/display/text",
        data={"size": "large"},
        headers={"Accept": "application/json", "X-CSRFToken": token},
    )
    assert answer.status_code == 204 and "idp_text=large" in answer.headers["Set-Cookie"]


def test_larger_text_toggle_is_no_open_redirect(client):
    _action, token, _value = toggle_of(client, "/login")
    for target in ("https://evil.example/", "//evil.example/", "/logout/confirm", "/nowhere"):
        answer = client.post(
            "/display/text", query_string={"next": target}, data={"csrf_token": token}
        )
        assert answer.status_code == 302 and answer.location == "/account", target
