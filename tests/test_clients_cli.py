"""R1: ``idp clients create --batch``, ``edit`` and ``reset-secret`` go through the domain's
one check (``registry.check``) and record their trail events."""

from __future__ import annotations

import json

import pytest

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
