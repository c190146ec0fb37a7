"""``idp demo seed``: the demo user and clients of the quick start and the benchmark.

Idempotent: what already exists is left alone, so ``scripts/run`` can call it on every start.
Refused when the settings say production — demo credentials must never reach production.
"""
from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from sqlalchemy import select

DEMO_USER = {
    "name": "张三",
    "phone": "13800138000",
    "password": "Demo-pass-2026",
    "id_type": "resident_id",
    "id_number": "11010519491231002X",
    "email": "zhangsan@example.com",
}
SAMPLE_BASE = "http://127.0.0.1:5001"
DEMO_CLIENTS = [
    {
        "client_id": "tm-application",
        "secret": "dev-secret-tm-application",
        "name": "商标网上申请",
        "redirect_uris": [SAMPLE_BASE + "/callback"],
        "post_logout_redirect_uris": [SAMPLE_BASE + "/"],
        "backchannel_logout_uri": SAMPLE_BASE + "/backchannel-logout",
        "grant_types": ["authorization_code", "refresh_token"],
        "first_party": False,
    },
    {
        "client_id": "bench",
        "secret": "bench-secret",
        "name": "压力测试客户端",
        "redirect_uris": ["http://127.0.0.1:9/cb"],
        "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
        "first_party": False,
    },
]


def seed() -> list[str]:
    """Create whatever of the demo data is missing; return a line per thing created."""
    from .domain import accounts, clients
    from .domain.errors import DomainError
    from .domain.models import User
    from .extensions import db
    from .protocol import keys
    from .services import services

    if services().settings.production:
        raise DomainError("生产环境（env = \"production\"）拒绝写入演示数据：演示账号和密钥是公开的。")
    done = []
    created_keys = keys.ensure_keys()
    if created_keys:
        done.append(f"signing keys: {', '.join(created_keys)}")
    if db.session.scalar(select(User.id).where(User.phone == DEMO_USER["phone"])) is None:
        user = accounts.create_natural_person(**DEMO_USER)
        done.append(f"user {DEMO_USER['name']} ({DEMO_USER['phone']}), sub={user.sub}")
    for spec in DEMO_CLIENTS:
        if clients.get(spec["client_id"]) is None:
            clients.create_client(**spec)
            done.append(f"client {spec['client_id']}")
    return done


@click.group("demo", help="Demo data for the quick start and the benchmark (never production).")
def demo_cli():
    pass


@demo_cli.command("seed")
@with_appcontext
def demo_seed():
    from .domain.errors import DomainError
    try:
        created = seed()
    except DomainError as exc:
        click.echo(f"错误：{exc.message}", err=True)
        sys.exit(1)
    for line in created:
        click.echo(f"created {line}")
    if not created:
        click.echo("demo data already present; nothing changed")
    click.echo(f"demo user: phone {DEMO_USER['phone']}  password {DEMO_USER['password']}  "
               f"(resident ID {DEMO_USER['id_number']})")
    for spec in DEMO_CLIENTS:
        click.echo(f"client {spec['client_id']}: secret {spec['secret']}  "
                   f"redirect_uri {spec['redirect_uris'][0]}")
