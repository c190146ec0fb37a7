"""Registering and editing a subsystem on the admin pages (R1; role system): the domain's one
check refuses unsafe values at the field that caused them and nothing is stored; a
confidential client's secret is shown once; an edit keeps client_id and secret; each change is
audited once, by the domain, without a secret."""

from __future__ import annotations

import json
import re

import pytest
from joserfc.jwk import RSAKey

import trailkit
from adminkit import csrf, login, make_admin
from idp.domain.clients import registry
from idp.domain.models import Client
from idp.extensions import db
from idp.services import services
from support import REDIRECT, Browser, RelyingParty, make_relying_party, make_user

NEW = "/admin/subsystems/new"
QUERY_REDIRECT = "https://query.example.test/callback"
PRIVATE_JWK = RSAKey.generate_key(2048).as_dict(private=True)


@pytest.fixture
def admin(app, client):
    admin_id, secret = make_admin("sysadm")
    login(client, "sysadm", secret)
    return admin_id


def fields(**changes) -> dict:
    """A complete form of a confidential subsystem, with ``changes`` (None leaves a field out,
    as a browser does with a box not ticked)."""
    data = {
        "name": "商标网上查询",
        "batch": "第二批",
        "redirect_uris": f"{QUERY_REDIRECT}\r\nhttps://query2.example.test/cb",
        "post_logout_redirect_uris": "https://query.example.test/bye",
        "backchannel_logout_uri": "https://query.example.test/backchannel",
        "scope": ["openid", "profile"],
        "grant_types": ["authorization_code", "refresh_token"],
        "auth_method": "client_secret_basic",
        "require_pkce": "y",
        "id_token_alg": "RS256",
        "jwks": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def post(http, url: str, **changes):
    page = http.get(url)
    assert page.status_code == 200, page.get_data(as_text=True)
    return http.post(url, data={"csrf_token": csrf(page), **fields(**changes)})


def shown_secret(http, response) -> tuple[str, str, str]:
    """(client_id, secret, page) from the page a secret is shown on, after the redirect."""
    assert response.status_code == 302 and response.location.endswith("/admin/subsystems/secret")
    page = http.get(response.location)
    assert page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    client_id = text.split("client_id：<code>")[1].split("</code>")[0]
    secret = text.split("client_secret：<code>")[1].split("</code>")[0]
    return client_id, secret, text


def test_r1_list_links_to_the_new_form_and_each_edit(client, admin):
    rp = make_relying_party(name="商标查询")
    html = client.get("/admin/subsystems").get_data(as_text=True)
    assert 'href="/admin/subsystems/new"' in html and "新增业务系统" in html
    assert f'href="/admin/subsystems/{rp.client_id}/edit"' in html


def test_r1_create_confidential_shows_the_secret_once_and_stores_it_disabled(client, admin):
    done = post(client, NEW)
    client_id, secret, text = shown_secret(client, done)
    assert "业务系统已登记" in text
    stored = registry.get(client_id)
    assert stored.name == "商标网上查询" and stored.batch == "第二批"
    assert stored.redirect_uris == [QUERY_REDIRECT, "https://query2.example.test/cb"]
    assert stored.post_logout_redirect_uris == ["https://query.example.test/bye"]
    assert stored.backchannel_logout_uri == "https://query.example.test/backchannel"
    assert stored.scope == "openid profile" and stored.require_pkce and not stored.first_party
    assert not stored.enabled  # R1: switched on when its batch joins
    assert stored.check_client_secret(secret)
    again = client.get(done.location).get_data(as_text=True)
    assert "已显示过" in again and secret not in again


def test_r1_create_public_client_has_no_secret(client, admin):
    done = post(client, NEW, auth_method="none", require_pkce=None)
    assert done.status_code == 302 and done.location.endswith("/admin/subsystems?done=created")
    stored = db.session.query(Client).one()
    assert stored.public and stored.secret_digest is None and stored.require_pkce
    assert "client_secret：" not in client.get("/admin/subsystems/secret").get_data(as_text=True)


def test_r1_created_and_enabled_client_completes_the_code_flow(app, client, admin):
    make_user()
    done = post(client, NEW, redirect_uris=REDIRECT, enable_now="y", first_party="y")
    client_id, secret, _text = shown_secret(client, done)
    assert registry.get(client_id).enabled
    tokens = Browser(app).tokens_for(RelyingParty(client_id, secret, REDIRECT))
    assert tokens["id_token"] and tokens["access_token"]


def test_r1_create_is_audited_once_by_the_domain_without_the_secret(client, admin):
    _client_id, secret, _text = shown_secret(client, post(client, NEW))
    entry = trailkit.only("client.created")
    assert entry.actor == f"admin:{admin}"
    assert secret not in trailkit.serialised(entry)
    assert [e.event for e in trailkit.entries() if e.event.startswith("client.")] == [
        "client.created"
    ]


def test_r1_edit_is_prefilled_and_keeps_client_id_state_and_secret(client, admin):
    rp = make_relying_party(name="商标查询", batch="第一批", first_party=True)
    url = f"/admin/subsystems/{rp.client_id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'value="商标查询"' in page and f"{REDIRECT}</textarea>" in page
    assert re.search(r'<input[^>]*checked[^>]*id="first_party"|id="first_party"[^>]*checked', page)
    done = post(client, url, name="商标查询（新）", redirect_uris=QUERY_REDIRECT)
    assert done.status_code == 302 and done.location.endswith("/admin/subsystems?done=updated")
    db.session.expire_all()
    stored = registry.get(rp.client_id)
    assert stored.name == "商标查询（新）" and stored.redirect_uris == [QUERY_REDIRECT]
    assert stored.enabled and stored.check_client_secret(rp.secret)
    entry = trailkit.only("client.updated")
    assert entry.actor == f"admin:{admin}"
    assert {"name", "redirect_uris", "batch"} <= set(trailkit.detail(entry)["fields"])


def test_r1_edit_to_a_method_without_secret_voids_it_and_back_shows_a_new_one(client, admin):
    rp = make_relying_party(name="商标查询")
    url = f"/admin/subsystems/{rp.client_id}/edit"
    assert post(client, url, auth_method="none").status_code == 302
    db.session.expire_all()
    stored = registry.get(rp.client_id)
    assert stored.public and not stored.check_client_secret(rp.secret)
    client_id, secret, text = shown_secret(
        client, post(client, url, auth_method="client_secret_post")
    )
    assert client_id == rp.client_id and "认证方式改为使用 client_secret" in text
    db.session.expire_all()
    assert registry.get(rp.client_id).check_client_secret(secret)
    for entry in trailkit.entries("client.updated"):
        assert secret not in trailkit.serialised(entry)


UNSAFE = {
    "wildcard": ({"redirect_uris": "https://*.example.test/cb"}, "redirect_uris", "不允许的字符"),
    "fragment": ({"redirect_uris": "https://rp.example.test/cb#x"}, "redirect_uris", "片段"),
    "userinfo": ({"redirect_uris": "https://good@evil.example/cb"}, "redirect_uris", "用户信息"),
    "logout fragment": (
        {"post_logout_redirect_uris": "https://rp.example.test/bye#x"},
        "post_logout_redirect_uris",
        "片段",
    ),
    "http back-channel": (
        {"backchannel_logout_uri": "http://rp.example.test/bcl"},
        "backchannel_logout_uri",
        "必须使用 https",
    ),
    "private key in JWKS": (
        {"auth_method": "private_key_jwt", "jwks": json.dumps({"keys": [PRIVATE_JWK]})},
        "jwks",
        "只能包含公钥",
    ),
    "invalid JSON": ({"jwks": '{"keys": ['}, "jwks", "不是合法的 JSON"),
    "JWKS not an object": ({"jwks": "[]"}, "jwks", "必须是 JSON 对象"),
    "no JWKS for private_key_jwt": ({"auth_method": "private_key_jwt"}, "jwks", "需要提供"),
    "public client_credentials": (
        {"auth_method": "none", "grant_types": ["client_credentials"]},
        "grant_types",
        "公开客户端不能使用 client_credentials",
    ),
    "JWKS too long": ({"jwks": " " * 50_001}, "jwks", "JWKS 不超过 50000 个字符"),
    "no grant type": ({"grant_types": None}, "grant_types", "请至少选择一种授权类型"),
    "unknown method": ({"auth_method": "tls_client_auth"}, "auth_method", "不支持的客户端认证方式"),
    "no scope": ({"scope": None}, "scope", "请至少选择一个 scope"),
    "unknown scope": ({"scope": ["openid", "everything"]}, "scope", "不支持的 scope"),
    "no name": ({"name": "  "}, "name", "请填写应用名称"),
}


@pytest.mark.parametrize("case", UNSAFE, ids=list(UNSAFE))
def test_r1_unsafe_value_refused_at_its_field_and_nothing_stored(client, admin, case):
    changes, field, words = UNSAFE[case]
    refused = post(client, NEW, **changes)
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert words in html
    assert 'role="alert"' in html and f'href="#{field}"' in html
    assert f'id="{field}-error"' in html
    assert re.search(f'aria-describedby="[^"]*{field}-error"', html)
    assert 'value="第二批"' in html  # what was typed stays
    assert db.session.query(Client).count() == 0
    assert trailkit.entries("client.created") == []


def test_r1_typed_uris_stay_after_a_refusal(client, admin):
    refused = post(client, NEW, redirect_uris=f"{QUERY_REDIRECT}\r\nhttps://x.test/cb#frag")
    html = refused.get_data(as_text=True)
    assert 'aria-invalid="true"' in html
    assert f"{QUERY_REDIRECT}\r\nhttps://x.test/cb#frag</textarea>" in html


def test_r1_http_redirect_uri_refused_in_production(client, admin, monkeypatch):
    svc = services()
    monkeypatch.setattr(svc, "settings", svc.settings.replace({"env": "production"}))
    refused = post(client, NEW, redirect_uris="http://query.example.test/callback")
    assert refused.status_code == 400 and "必须使用 https" in refused.get_data(as_text=True)
    assert db.session.query(Client).count() == 0
    loopback = post(client, NEW, redirect_uris="http://127.0.0.1:8080/callback")
    assert loopback.status_code == 302


def test_r1_refused_edit_changes_nothing(client, admin):
    rp = make_relying_party(name="商标查询")
    url = f"/admin/subsystems/{rp.client_id}/edit"
    refused = post(client, url, name="新名称", redirect_uris="https://*.example.test/cb")
    assert refused.status_code == 400 and "不允许的字符" in refused.get_data(as_text=True)
    db.session.expire_all()
    stored = registry.get(rp.client_id)
    assert stored.name == "商标查询" and stored.redirect_uris == [REDIRECT]
    assert trailkit.entries("client.updated") == []


def test_r1_create_and_edit_refuse_a_post_without_csrf(client, admin):
    rp = make_relying_party(name="商标查询")
    assert client.post(NEW, data=fields()).status_code == 400
    edit = client.post(f"/admin/subsystems/{rp.client_id}/edit", data=fields(name="新名称"))
    assert edit.status_code == 400
    db.session.expire_all()
    assert db.session.query(Client).count() == 1 and registry.get(rp.client_id).name == "商标查询"


def test_r1_unknown_subsystem_edit_is_404(client, admin):
    assert client.get("/admin/subsystems/nobody/edit").status_code == 404


def test_r1_forms_ask_for_a_fresh_proof_when_the_last_is_old(client, admin):
    services().clock.advance(services().settings.admin.reauth_window + 1)
    answer = client.get(NEW)
    assert answer.status_code == 302 and "/admin/reauth" in answer.location
