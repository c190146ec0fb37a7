"""``idp demo seed``: demo users of each kind, and the clients of the quick start and benchmark;
``idp demo reset``: the demo data as seeded again (``demo_reset``).

One account per row of the login table (domain.md): the natural person 张三; the legal person
北京示例科技有限公司 with its handler 李四 (P3); the agency 北京示例商标代理有限公司, on the
agency filing register (Y1), with its handler 王五, a filed practitioner (Y2). The registers are filled through
``registers_import.import_file`` like an operator's import; the USCCs are valid (GB 32100).
The legacy accounts of the legacy login paths (L1–L6, S2–S6) come from ``demo_legacy``; the
admin area's administrators, one per role with a printed TOTP secret, from ``demo_admin``.
Idempotent: what already exists is left alone, so ``scripts/run`` can call it on every start.
Refused when the settings say production — demo credentials must never reach production.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import NoReturn

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from . import demo_admin, demo_reset
from .demo_common import DEMO_USER, import_register_row
from .domain.vocab import AUTHORIZATION_CODE, GRANT_TYPES, REFRESH_TOKEN
from .messages import describe

PASSWORD = DEMO_USER["password"]
DEMO_HANDLERS = [  # natural persons, real-name verified, so they may be bound as handlers (P3)
    {
        "name": "李四",
        "phone": "13800138001",
        "id_type": "resident_id",
        "id_number": "110105198506120026",
        "email": "lisi@example.com",
    },
    {
        "name": "王五",
        "phone": "13800138002",
        "id_type": "resident_id",
        "id_number": "110105199003070033",
        "email": "wangwu@example.com",
    },
]
DEMO_LEGAL = {
    "name": "北京示例科技有限公司",
    "uscc": "9111010870000001XH",
    "handler": "13800138001",
    "phone": "13800138010",
    "email": "office@example-tech.cn",
}
DEMO_AGENCY = {
    "name": "北京示例商标代理有限公司",
    "uscc": "911101057000000286",
    "handler": "13800138002",
    "phone": "13800138020",
    "email": "tm@example-agency.cn",
}
DEMO_REPRESENTATIVE = ("赵六", "110105197001010011")  # legal representative of both
# The sample subsystems of clients/ (port, client id, name, batch as in domain.md's table), all
# switched on in the demo so that single sign-on across them can be shown (R1, R3).
SAMPLES = [
    (5001, "tm-application", "商标网上申请", "第一批"),
    (5002, "tm-query", "商标网上查询", "后续批次"),
    (5003, "tm-gazette", "商标公告", "后续批次"),
]


def sample_client(port: int, client_id: str, name: str, batch: str) -> dict:
    """The registration of a sample subsystem: its URIs on its own port, as clients/sample_rp
    expects them; the secret is the sample's default."""
    base = f"http://127.0.0.1:{port}"
    return {
        "client_id": client_id,
        "secret": f"dev-secret-{client_id}",
        "name": name,
        "batch": batch,
        "redirect_uris": [base + "/callback"],
        "post_logout_redirect_uris": [base + "/"],
        "backchannel_logout_uri": base + "/backchannel-logout",
        "grant_types": [AUTHORIZATION_CODE, REFRESH_TOKEN],
        "first_party": False,
    }


DEMO_CLIENTS = [
    *(sample_client(*sample) for sample in SAMPLES),
    {
        "client_id": "bench",
        "secret": "bench-secret",
        "name": "压力测试客户端",
        "redirect_uris": ["http://127.0.0.1:9/cb"],
        "grant_types": list(GRANT_TYPES),
        "first_party": False,
    },
]


def seed() -> list[str]:
    """Create whatever of the demo data is missing; return a line per thing created."""
    from . import demo_legacy
    from .domain.accounts import users as accounts
    from .domain.clients import registry as clients
    from .domain.errors import DomainError
    from .domain.models import User
    from .extensions import db
    from .protocol import keys
    from .services import services

    if services().settings.production:
        raise DomainError("demo.production")
    done = []
    created_keys = keys.ensure_keys()
    if created_keys:
        done.append(f"signing keys: {', '.join(created_keys)}")
    if db.session.scalar(select(User.id).where(User.phone == DEMO_USER["phone"])) is None:
        user = accounts.create_natural_person(**DEMO_USER)
        done.append(f"user {DEMO_USER['name']} ({DEMO_USER['phone']}), sub={user.sub}")
    done += _seed_registers() + _seed_handlers()
    done += _seed_organisation(DEMO_LEGAL, "legal") + _seed_organisation(DEMO_AGENCY, "agency")
    done += demo_legacy.seed()  # after 张三, whom tm_zhangsan is linked to (L6)
    for spec in DEMO_CLIENTS:
        if clients.get(spec["client_id"]) is None:
            clients.create_client(**spec)
            done.append(f"client {spec['client_id']}")
    done += demo_admin.seed()  # the admin area's demo administrators, one per role
    return done


def reset(confirmed: bool = False) -> list[str]:
    """Everything emptied (``demo_reset``: refused in production, and against a database
    that is not SQLite unless ``confirmed``), then ``seed``; a line per step."""
    return demo_reset.empty_all(confirmed) + seed()


def _seed_registers() -> list[str]:
    """Y1/Y2: the demo agency on the filing register, 王五 a practitioner of it (CSV import)."""
    from .domain.accounts import users as accounts
    from .domain.registers import lookup as registers

    done = []
    if registers.filing_for(registers.uscc_index(DEMO_AGENCY["uscc"])) is None:
        done += import_register_row(
            "agencies", f"{DEMO_AGENCY['uscc']},{DEMO_AGENCY['name']},2020-01-01"
        )
    if registers.practitioner_for(accounts.id_number_index(DEMO_HANDLERS[1]["id_number"])) is None:
        done += import_register_row(
            "practitioners",
            f"王五,resident_id,{DEMO_HANDLERS[1]['id_number']},{DEMO_AGENCY['uscc']}",
        )
    return done


def _seed_handlers() -> list[str]:
    from .domain.accounts import users as accounts
    from .extensions import db

    done = []
    for spec in DEMO_HANDLERS:
        if accounts.find_by_login(spec["phone"]) is None:
            person = accounts.create_natural_person(password=PASSWORD, **spec)
            person.realname_verified = True  # as the real-name check at registration would
            db.session.commit()
            done.append(f"user {spec['name']} ({spec['phone']}), sub={person.sub}")
    return done


def _seed_organisation(spec: dict, kind: str) -> list[str]:
    """The organisation (if missing) and its handler's binding (if missing)."""
    from .domain.accounts import users as accounts
    from .domain.organisations import handlers
    from .domain.organisations import registration as organisations

    done = []
    org = organisations.find_by_uscc(spec["uscc"], kind)
    if org is None:
        register = (
            organisations.register_legal_person
            if kind == "legal"
            else organisations.register_agency
        )
        name, number = DEMO_REPRESENTATIVE
        org = register(
            category="enterprise",
            name=spec["name"],
            uscc=spec["uscc"],
            representative=organisations.Representative(
                name=name,
                id_type="resident_id",
                id_number=number,
                valid_from=dt.date(2020, 1, 1),
                valid_to=dt.date(2040, 1, 1),
            ),
            contact=organisations.Contact(
                password=PASSWORD,
                phone=spec["phone"],
                email=spec["email"],
                phone_verified=True,
                email_verified=True,
            ),
        )
        done.append(f"{kind} {spec['name']} (USCC {spec['uscc']})")
    handler = accounts.find_by_login(spec["handler"])
    bound = {b.organisation_id for b in handlers.organisations_for_handler(handler, kind=kind)}
    if org.id not in bound:
        handlers.bind_handler(org, handler)
        done.append(f"handler {handler.name} bound to {spec['name']}")
    return done


def credentials() -> list[str]:
    """What to type on the login page, one line per account (README: Journeys to try)."""
    from . import demo_legacy

    lisi, wangwu = DEMO_HANDLERS
    return [
        f"自然人 张三: mobile {DEMO_USER['phone']} or ID {DEMO_USER['id_number']}, password {PASSWORD}",
        f"自然人 李四: mobile {lisi['phone']}, password {PASSWORD}",
        f"自然人 王五: mobile {wangwu['phone']}, password {PASSWORD}",
        f"法人 {DEMO_LEGAL['name']}: USCC {DEMO_LEGAL['uscc']}, password {PASSWORD} (+ captcha)",
        f"法人 经办人登录: 李四 {lisi['phone']}, password {PASSWORD} (+ captcha)",
        f"代理机构 {DEMO_AGENCY['name']}: USCC {DEMO_AGENCY['uscc']}, password {PASSWORD} "
        "(+ captcha)",
        f"代理机构 经办人登录: 王五 {wangwu['phone']}, password {PASSWORD} (+ captcha)",
        *demo_legacy.credentials(),
    ]


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
        _fail(describe(exc))
    for line in created:
        click.echo(f"created {line}")
    if not created:
        click.echo("demo data already present; nothing changed")
    _print_credentials()


@demo_cli.command("reset")
@click.option("--yes", is_flag=True, help="Confirm: empty a database that is not SQLite.")
@with_appcontext
def demo_reset_command(yes: bool):
    """Delete all data (database, uploads, store) and seed the demo data again."""
    from .domain.errors import DomainError

    try:
        done = reset(confirmed=yes)
    except DomainError as exc:
        _fail(describe(exc))
    except demo_reset.NotEmbedded as exc:
        _fail(
            f"{exc.where} 不是内置的开发数据库（SQLite）。重置会删除其中的全部数据；"
            "确认要这样做，请加 --yes 再运行。"
        )
    for line in done:
        click.echo(line)
    _print_credentials()


def _fail(message: str) -> NoReturn:
    click.echo(f"错误：{message}", err=True)
    sys.exit(1)


def _print_credentials() -> None:
    click.echo(
        f"demo user: phone {DEMO_USER['phone']}  password {DEMO_USER['password']}  "
        f"(resident ID {DEMO_USER['id_number']})"
    )
    for line in credentials():
        click.echo(f"login {line}")
    for line in demo_admin.credentials():
        click.echo(f"/admin/login {line}")
    for spec in DEMO_CLIENTS:
        click.echo(
            f"client {spec['client_id']}: secret {spec['secret']}  "
            f"redirect_uri {spec['redirect_uris'][0]}"
        )
