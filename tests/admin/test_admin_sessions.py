"""A citizen's SSO sessions on the admin pages (issue 12, "Keys and sessions"; role system):
look up by login mobile or user id, see the live sessions with the subsystems signed into, end
one or all behind re-authentication; back-channel notices are queued as for any session end
(OIDC Back-Channel Logout 1.0 §2.5) and ``admin.sessions_ended`` names the citizen and the
administrator. Only masked mobiles and ID numbers are shown."""

from __future__ import annotations

import pytest

import trailkit
from adminkit import csrf, login, make_admin
from idp.protocol import logout
from idp.services import services
from support import PHONE, Browser, make_relying_party, make_user

BCL_URI = "https://rp.example.test/backchannel"


@pytest.fixture
def signed_in(app):
    """A citizen signed in twice (two browsers) to a subsystem with a back-channel logout URI."""
    rp = make_relying_party(name="商标查询", backchannel_logout_uri=BCL_URI)
    user = make_user()
    for _ in range(2):
        Browser(app).sign_in(rp)
    return user


@pytest.fixture
def admin(app, client):
    admin_id, secret = make_admin("sysadm")
    login(client, "sysadm", secret)
    return admin_id


def live(user) -> list:
    return logout.sessions().sessions_of(user.id, user.sub)


def notices() -> list:
    return services().store.zdue(logout.QUEUE, services().now() + 1, 50)


def look_up(http, query: str):
    page = http.get("/admin/sessions")
    return http.post("/admin/sessions", data={"csrf_token": csrf(page), "query": query})


def end(http, user_id: int, target: str, token: str | None = None):
    page = http.get(f"/admin/sessions?user={user_id}")
    data = {"csrf_token": token or csrf(page), "user_id": str(user_id), "target": target}
    return http.post("/admin/sessions/end", data=data)


def test_lookup_by_mobile_lists_the_sessions_with_their_subsystems(client, admin, signed_in):
    found = look_up(client, PHONE)
    assert found.status_code == 302 and found.location.endswith(f"user={signed_in.id}")
    assert PHONE not in found.location  # the mobile never stands in a URL
    html = client.get(found.location).get_data(as_text=True)
    assert html.count('name="target"') == 3  # each of the two sessions, and "all"
    assert html.count("商标查询") == 2
    assert "138****8000" in html and PHONE not in html
    assert signed_in.id_number_masked is None or signed_in.id_number_masked in html


def test_lookup_by_user_id_finds_the_same_user(client, admin, signed_in):
    found = look_up(client, str(signed_in.id))
    assert found.status_code == 302 and found.location.endswith(f"user={signed_in.id}")


def test_an_unknown_mobile_says_no_such_user(client, admin, signed_in):
    response = look_up(client, "13900139000")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "没有这个用户" in html and 'name="target"' not in html


def test_ending_one_session_queues_its_notice_and_is_audited(client, admin, signed_in):
    first, second = sorted(live(signed_in), key=lambda pair: pair[1].sid)
    response = end(client, signed_in.id, first[1].sid)
    assert response.status_code == 302 and "ended=1" in response.location
    assert [key for key, _s in live(signed_in)] == [second[0]]
    assert len(notices()) == 1
    entry = trailkit.only("admin.sessions_ended")
    assert (entry.actor, entry.subject_id) == (f"admin:{admin}", signed_in.id)
    assert trailkit.detail(entry) == {"which": "one", "count": 1}


def test_ending_all_sessions_queues_every_notice_and_is_audited(client, admin, signed_in):
    response = end(client, signed_in.id, "all")
    assert response.status_code == 302 and "ended=2" in response.location
    assert live(signed_in) == []
    assert len(notices()) == 2
    entry = trailkit.only("admin.sessions_ended")
    assert entry.subject_id == signed_in.id and trailkit.detail(entry)["count"] == 2
    html = client.get(response.location).get_data(as_text=True)
    assert "已结束 2 个会话" in html and "没有有效的登录会话" in html


def test_ending_sessions_asks_for_password_and_code_again(client, admin, signed_in, clock):
    page = client.get(f"/admin/sessions?user={signed_in.id}")
    clock.advance(services().settings.admin.reauth_window + 1)
    data = {"csrf_token": csrf(page), "user_id": str(signed_in.id), "target": "all"}
    response = client.post("/admin/sessions/end", data=data)
    assert response.status_code == 302 and "/admin/reauth" in response.location
    assert len(live(signed_in)) == 2 and notices() == []
    assert trailkit.entries("admin.sessions_ended") == []


def test_ending_sessions_needs_the_csrf_token(client, admin, signed_in):
    assert end(client, signed_in.id, "all", token="forged").status_code == 400
    assert len(live(signed_in)) == 2 and notices() == []


def test_an_unknown_user_id_ends_nothing(client, admin, signed_in):
    assert end(client, signed_in.id + 1000, "all").status_code == 404
    assert len(live(signed_in)) == 2
