"""The subsystems on the admin pages (R1; role system): the list with batch and state, and
switching one off (confirmed): /authorize refuses it at once, its tokens are revoked and it is
signed out of the sessions signed in to it by queued back-channel notices; audited."""

from __future__ import annotations

import pytest

import trailkit
from adminkit import admin_cookie, csrf, login, make_admin
from idp.admin import secret_handover
from idp.domain.models import Token
from idp.extensions import db
from idp.protocol import logout
from idp.services import services
from support import Browser, make_relying_party, make_user

BCL_URI = "https://rp.example.test/backchannel"


@pytest.fixture
def rp(app):
    return make_relying_party(name="商标查询", backchannel_logout_uri=BCL_URI, batch="第一批")


@pytest.fixture
def admin(app, client):
    admin_id, secret = make_admin("sysadm")
    login(client, "sysadm", secret)
    return admin_id


def test_r1_list_shows_batch_and_state(client, admin, rp):
    page = client.get("/admin/subsystems")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "商标查询" in text and "第一批" in text and rp.client_id in text


def test_r1_other_roles_refused(app, client, rp):
    _id, secret = make_admin("rev", role="reviewer")
    login(client, "rev", secret)
    assert client.get("/admin/subsystems").status_code == 403
    assert client.get(f"/admin/subsystems/{rp.client_id}/disable").status_code == 403


def test_r1_disable_stops_authorize_revokes_tokens_and_queues_notices(app, client, admin, rp):
    make_user()
    browser = Browser(app)
    browser.tokens_for(rp)
    confirm = client.get(f"/admin/subsystems/{rp.client_id}/disable")
    assert confirm.status_code == 200
    done = client.post(
        f"/admin/subsystems/{rp.client_id}/disable", data={"csrf_token": csrf(confirm)}
    )
    assert done.status_code == 302
    assert db.session.query(Token).count() > 0
    assert db.session.query(Token).filter(Token.revoked_at.is_(None)).count() == 0
    queue = services().store.zdue(logout.QUEUE, services().now() + 1, 50)
    assert len(queue) == 1
    refused = browser.authorize(rp)
    assert refused.status_code == 400 and "尚未启用" in refused.get_data(as_text=True)
    entry = trailkit.only("client.disabled")
    assert entry.actor == f"admin:{admin}" and entry.client_id == rp.client_id


def test_r1_disable_needs_csrf(client, admin, rp):
    assert client.post(f"/admin/subsystems/{rp.client_id}/disable").status_code == 400


def test_r1_reset_secret_is_shown_once_uncached(client, admin, rp):
    from idp.domain.clients import registry

    confirm = client.get(f"/admin/subsystems/{rp.client_id}/secret")
    assert confirm.status_code == 200
    done = client.post(
        f"/admin/subsystems/{rp.client_id}/secret", data={"csrf_token": csrf(confirm)}
    )
    assert done.status_code == 302
    shown = client.get(done.headers["Location"])
    assert shown.headers["Cache-Control"] == "no-store"
    text = shown.get_data(as_text=True)
    secret = text.split("client_secret：<code>")[1].split("</code>")[0]
    stored = registry.get(rp.client_id)
    assert stored.check_client_secret(secret) and not stored.check_client_secret(rp.secret)
    again = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "已显示过" in again and "已显示过" not in text
    assert trailkit.only("client.secret_reset").actor == f"admin:{admin}"


def test_r1_a_new_secret_waits_sealed_for_this_admin_session_only(app, client, admin, rp):
    confirm = client.get(f"/admin/subsystems/{rp.client_id}/secret")
    done = client.post(
        f"/admin/subsystems/{rp.client_id}/secret", data={"csrf_token": csrf(confirm)}
    )
    assert done.status_code == 302
    sid = admin_cookie(client).value
    key = secret_handover.key_of(sid)
    stored = services().store.get(key)
    assert stored is not None and sid not in key and sid not in stored
    _other_id, other_secret = make_admin("sysadm2")
    other = app.test_client()
    login(other, "sysadm2", other_secret)
    assert "已显示过" in other.get(done.location).get_data(as_text=True)
    text = client.get(done.location).get_data(as_text=True)
    secret = text.split("client_secret：<code>")[1].split("</code>")[0]
    assert len(secret) >= 32 and secret not in stored and rp.client_id not in stored
    assert services().store.get(key) is None


def test_r1_disable_ends_a_sign_in_under_way_with_a_clear_page(app, client, admin, rp):
    make_user()
    browser = Browser(app)
    started = browser.authorize(rp)
    assert started.status_code == 302 and "/login" in started.location
    login_page = browser.follow(started)
    assert login_page.status_code == 200
    confirm = client.get(f"/admin/subsystems/{rp.client_id}/disable")
    client.post(f"/admin/subsystems/{rp.client_id}/disable", data={"csrf_token": csrf(confirm)})
    ended = browser.login(login_page)
    assert ended.status_code == 404 and ended.location is None
    assert "该应用已停用" in ended.get_data(as_text=True)
    again = browser.follow(started)  # the interaction is over: the login page is gone too
    assert again.status_code == 404
