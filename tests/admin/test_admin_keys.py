"""The signing keys page (issue 12, "Keys and sessions"; role system): every key with its state
and age; rotation per algorithm behind re-authentication, through ``protocol.keys.rotate``
without force, so publish-before-sign holds (a too-new ``next`` key is refused with the wait);
the rotation's ``key.rotated`` entry names the administrator as the actor."""

from __future__ import annotations

import re

from sqlalchemy import select

import trailkit
from adminkit import csrf, login, make_admin
from idp.domain import trail
from idp.domain.models import SigningKey
from idp.domain.trail import events as trail_events
from idp.extensions import db
from idp.protocol import keys
from idp.services import services


def stored_keys() -> dict[str, tuple[str, str]]:
    db.session.expire_all()
    return {k.kid: (k.alg, k.state) for k in db.session.scalars(select(SigningKey))}


def current_kid(alg: str) -> str:
    return next(kid for kid, (a, state) in stored_keys().items() if (a, state) == (alg, "current"))


def keys_published_long_enough(clock) -> None:
    keys.ensure_keys()
    db.session.commit()
    clock.advance(keys.publication_wait() + 60)


def rotate(http, alg: str = "RS256", token: str | None = None):
    page = http.get("/admin/keys")
    return http.post("/admin/keys/rotate", data={"csrf_token": token or csrf(page), "alg": alg})


def test_keys_page_lists_every_key_with_its_state_and_age(app, client, clock):
    keys_published_long_enough(clock)
    _, secret = make_admin("sysadm")
    login(client, "sysadm", secret)
    page = client.get("/admin/keys")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for kid, (alg, _state) in stored_keys().items():
        assert kid in html and alg in html
    assert html.count("当前（签名中）") == 2 and html.count("下一把（已发布）") == 2
    assert len(re.findall(r"<td>\d+ 分钟</td>", html)) == 4  # ages in words, not seconds
    assert html.count('name="alg"') == len(keys.ALGS)
    english = client.get("/admin/keys", headers={"Accept-Language": "en"})
    assert "Signing keys" in english.get_data(as_text=True)


def test_home_links_keys_and_sessions_for_the_system_role_only(app):
    for role in ("system", "reviewer", "auditor"):
        http = app.test_client()
        _, secret = make_admin(f"{role}1", role)
        login(http, f"{role}1", secret)
        html = http.get("/admin/").get_data(as_text=True)
        assert ('href="/admin/keys"' in html) == (role == "system")
        assert ('href="/admin/sessions"' in html) == (role == "system")


def test_rotation_asks_for_password_and_code_again_and_rotates_nothing_before(app, client, clock):
    keys_published_long_enough(clock)
    _, secret = make_admin("sysadm")
    login(client, "sysadm", secret)
    before = stored_keys()
    page = client.get("/admin/keys")
    clock.advance(services().settings.admin.reauth_window + 1)
    response = client.post("/admin/keys/rotate", data={"csrf_token": csrf(page), "alg": "RS256"})
    assert response.status_code == 302 and "/admin/reauth" in response.location
    assert "next=/admin/keys" in response.location
    assert stored_keys() == before


def test_a_next_key_too_new_is_refused_with_the_wait_and_rotates_nothing(app, client, clock):
    keys.ensure_keys()
    db.session.commit()
    published = services().now()
    admin_id, secret = make_admin("sysadm")
    login(client, "sysadm", secret)
    before = stored_keys()
    refused = rotate(client)
    assert refused.status_code == 409
    wait = keys.publication_wait() - (services().now() - published)
    html = refused.get_data(as_text=True)
    assert f"请 {wait} 秒后再轮换" in html and 'role="alert"' in html
    assert stored_keys() == before
    assert trailkit.entries(trail.KEY_ROTATED) == []
    # the refusal is audited although its page rolls the request back
    entry = trailkit.only(trail_events.ADMIN_KEY_ROTATE)
    assert entry.result == trail.REFUSED and entry.actor == f"admin:{admin_id}"
    upcoming = next(kid for kid, (a, state) in before.items() if (a, state) == ("RS256", "next"))
    assert trailkit.detail(entry) == {
        "alg": "RS256",
        "reason": "keys.next_too_new",
        "kid": upcoming,
        "wait": wait,
    }


def test_a_permitted_rotation_changes_the_current_key_and_names_the_admin(app, client, clock):
    keys_published_long_enough(clock)
    admin_id, secret = make_admin("sysadm")
    login(client, "sysadm", secret)
    old_current, upcoming = (
        current_kid("RS256"),
        next(
            kid for kid, (alg, state) in stored_keys().items() if (alg, state) == ("RS256", "next")
        ),
    )
    es256 = current_kid("ES256")
    done = rotate(client)
    assert done.status_code == 302 and "rotated=" in done.location
    assert current_kid("RS256") == upcoming and current_kid("ES256") == es256
    assert stored_keys()[old_current] == ("RS256", "retired")
    entry = trailkit.only(trail.KEY_ROTATED)
    assert entry.actor == f"admin:{admin_id}" and entry.ip == "127.0.0.1"
    assert trailkit.detail(entry)["kid"] == upcoming
    page = client.get(done.location).get_data(as_text=True)
    assert upcoming in page and "已退役（仍发布）" in page


def test_rotation_needs_the_csrf_token_and_a_known_algorithm(app, client, clock):
    keys_published_long_enough(clock)
    _, secret = make_admin("sysadm")
    login(client, "sysadm", secret)
    before = stored_keys()
    assert rotate(client, token="forged").status_code == 400
    assert rotate(client, alg="HS256").status_code == 400
    assert stored_keys() == before


def test_the_page_never_shows_a_private_key(app, client, clock):
    keys_published_long_enough(clock)
    _, secret = make_admin("sysadm")
    login(client, "sysadm", secret)
    html = client.get("/admin/keys").get_data(as_text=True)
    assert "PRIVATE" not in html and not re.search(r'"d"\s*:', html)
