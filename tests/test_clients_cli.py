"""R1: ``idp clients create --batch``, ``edit`` and ``reset-secret`` go through the domain's
one check (``registry.check``) and record their trail events."""

from __future__ import annotations

import json

import pytest
from joserfc.jwk import RSAKey

from idp.domain.clients import registry as clients
from idp.domain.models import Client
from idp.extensions import db
from support import REDIRECT


@pytest.fixture
def idp(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args))


def make(idp, *extra):
    out = idp(
        "clients", "create", "--name", "商标查询", "--redirect-uri", REDIRECT, "--json", *extra
    )
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


def test_r1_create_with_batch_and_hostile_uri_refused_by_the_same_rules(idp):
    data = make(idp, "--batch", "第一批")
    assert clients.get(data["client_id"]).batch == "第一批"
    out = idp("clients", "create", "--name", "x", "--redirect-uri", "https://*.example.cn/cb")
    assert out.exit_code == 1 and "不允许的字符" in out.output


def test_r1_edit_uses_the_same_check(idp):
    data = make(idp)
    bad = idp("clients", "edit", data["client_id"], "--redirect-uri", "https://a@evil.cn/cb")
    assert bad.exit_code == 1 and "用户信息" in bad.output
    ok = idp("clients", "edit", data["client_id"], "--name", "新名称", "--batch", "第二批")
    assert ok.exit_code == 0, ok.output
    db.session.expire_all()
    client = clients.get(data["client_id"])
    assert client.name == "新名称" and client.batch == "第二批"


def test_r1_reset_secret_shows_a_new_secret_once_and_the_old_one_stops(idp):
    data = make(idp)
    out = idp("clients", "reset-secret", data["client_id"])
    assert out.exit_code == 0, out.output
    new = out.output.split("client_secret: ")[1].split()[0]
    db.session.expire_all()
    client = db.session.query(Client).filter_by(client_id=data["client_id"]).one()
    assert client.check_client_secret(new) and not client.check_client_secret(data["client_secret"])


def stored(client_id: str) -> Client:
    db.session.expire_all()
    return clients.get(client_id)


def test_r1_edit_sets_auth_method_jwks_and_grants_as_create_does(idp):
    data = make(idp)
    jwks = json.dumps({"keys": [RSAKey.generate_key(2048).as_dict(private=False)]})
    out = idp("clients", "edit", data["client_id"], "--auth-method", "private_key_jwt")
    assert out.exit_code == 1 and "JWKS" in out.output  # the same check as create's
    out = idp(
        "clients", "edit", data["client_id"], "--auth-method", "private_key_jwt", "--jwks", jwks
    )
    assert out.exit_code == 0, out.output
    client = stored(data["client_id"])
    assert client.token_endpoint_auth_method == "private_key_jwt" and client.jwks["keys"]
    assert client.secret_digest is None  # the old secret no longer works
    out = idp("clients", "edit", data["client_id"], "--auth-method", "client_secret_post")
    new = out.output.split("client_secret: ")[1].split()[0]
    assert stored(data["client_id"]).check_client_secret(new)


def test_r1_edit_of_a_public_client_to_a_secret_method_is_confidential(idp):
    out = idp(
        "clients", "create", "--name", "查询", "--redirect-uri", REDIRECT, "--public", "--json"
    )
    client_id = json.loads(out.output)["client_id"]
    refused = idp("clients", "edit", client_id, "--grant-type", "client_credentials")
    assert refused.exit_code == 1 and "公开客户端不能使用 client_credentials" in refused.output
    out = idp(
        "clients",
        "edit",
        client_id,
        "--auth-method",
        "client_secret_basic",
        "--grant-type",
        "authorization_code",
        "--grant-type",
        "client_credentials",
    )
    assert out.exit_code == 0, out.output
    client = stored(client_id)
    assert not client.public and client.grant_types == ["authorization_code", "client_credentials"]
    assert client.check_client_secret(out.output.split("client_secret: ")[1].split()[0])


def test_r1_edit_switches_first_party_pkce_and_id_token_alg(idp):
    data = make(idp)
    out = idp(
        "clients",
        "edit",
        data["client_id"],
        "--first-party",
        "--no-pkce",
        "--id-token-alg",
        "ES256",
    )
    assert out.exit_code == 0, out.output
    client = stored(data["client_id"])
    assert client.first_party and not client.require_pkce
    assert client.id_token_signed_response_alg == "ES256"
    assert client.check_client_secret(data["client_secret"])  # the secret stays
    idp("clients", "edit", data["client_id"], "--not-first-party", "--pkce")
    client = stored(data["client_id"])
    assert not client.first_party and client.require_pkce
