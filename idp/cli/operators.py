"""``idp clients``, ``idp users``, ``idp keys`` and ``idp serve``: the relying parties, user
accounts and signing keys an operator manages, and the development server."""

from __future__ import annotations

import json
import time

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from ..domain.errors import DomainError
from ..domain.vocab import (
    AUTH_METHODS,
    AUTH_NONE,
    CLIENT_SECRET_BASIC,
    GRANT_TYPES,
    ID_TOKEN_ALGS,
    RS256,
)
from ..messages import describe
from .common import domain_call, fail

PROGRESS_EVERY = 5.0  # seconds between two progress lines of a long command

TOO_NEW = "keys.next_too_new"  # the refusal of a rotation that comes too early


@click.group("clients", help="Relying parties (trademark subsystems).")
def clients_cli():
    pass


@clients_cli.command("create")
@click.option("--name", required=True)
@click.option("--redirect-uri", "redirect_uris", multiple=True)
@click.option("--post-logout-redirect-uri", "post_logout", multiple=True)
@click.option("--backchannel-logout-uri")
@click.option("--grant-type", "grant_types", multiple=True, type=click.Choice(GRANT_TYPES))
@click.option("--auth-method", default=CLIENT_SECRET_BASIC, type=click.Choice(AUTH_METHODS))
@click.option("--public", is_flag=True, help="A public client (no secret; PKCE required).")
@click.option("--first-party", is_flag=True, help="Skip the consent page (office subsystems).")
@click.option("--no-pkce", is_flag=True, help="Do not require PKCE of this confidential client.")
@click.option("--scope", help="Allowed scopes (default: all supported).")
@click.option("--id-token-alg", default=RS256, type=click.Choice(ID_TOKEN_ALGS))
@click.option("--jwks", help="Client public JWKS (JSON or file path) for private_key_jwt.")
@click.option("--client-id", help="Choose the client_id (default: random).")
@click.option("--secret", help="Choose the secret (default: random; shown once).")
@click.option("--json", "as_json", is_flag=True, help="Print client_id and client_secret as JSON.")
@click.option(
    "--disabled",
    is_flag=True,
    help="Register now, switch on later with `idp clients enable` (R1: batches).",
)
@click.option("--batch", help="The rollout batch (R1), e.g. 第一批.")
@with_appcontext
def clients_create(
    name,
    redirect_uris,
    post_logout,
    backchannel_logout_uri,
    grant_types,
    auth_method,
    public,
    first_party,
    no_pkce,
    scope,
    id_token_alg,
    jwks,
    client_id,
    secret,
    as_json,
    disabled,
    batch,
):
    from ..domain.clients import registry as clients

    def run():
        return clients.create_client(
            name=name,
            redirect_uris=list(redirect_uris),
            post_logout_redirect_uris=post_logout,
            backchannel_logout_uri=backchannel_logout_uri,
            grant_types=list(grant_types),
            auth_method=auth_method,
            public=public,
            first_party=first_party,
            require_pkce=not no_pkce,
            scope=scope,
            id_token_alg=id_token_alg,
            jwks=clients.load_jwks(jwks),
            client_id=client_id,
            secret=secret,
            enabled=not disabled,
            batch=batch,
        )

    client, plain = domain_call(run)
    if as_json:
        click.echo(json.dumps({"client_id": client.client_id, "client_secret": plain}))
    else:
        click.echo(f"client_id: {client.client_id}")
        if plain:
            click.echo(f"client_secret: {plain}  (shown once; store it now)")


@clients_cli.command("list")
@with_appcontext
def clients_list():
    from ..domain.models import Client
    from ..extensions import db

    for c in db.session.scalars(select(Client).order_by(Client.id)):
        state = "enabled" if c.enabled else "disabled"
        click.echo(f"{c.client_id}\t{state}\t{c.token_endpoint_auth_method}\t{c.name}")


@clients_cli.command("show")
@click.argument("client_id")
@with_appcontext
def clients_show(client_id):
    from ..domain.clients import registry as clients

    client = clients.get(client_id)
    if client is None:
        fail(f"没有这个应用：{client_id}")
    click.echo(json.dumps(clients.describe(client), ensure_ascii=False, indent=2))


@clients_cli.command("enable")
@click.argument("client_id")
@with_appcontext
def clients_enable(client_id):
    from ..domain.clients import registry as clients

    domain_call(lambda: clients.enable(client_id))
    click.echo(f"enabled {client_id}")


@clients_cli.command("disable")
@click.argument("client_id")
@with_appcontext
def clients_disable(client_id):
    from ..flows import account_events

    domain_call(lambda: account_events.disable_client(client_id))
    click.echo(f"disabled {client_id}; its tokens are revoked")


@clients_cli.command("edit")
@click.argument("client_id")
@click.option("--name")
@click.option("--batch", help="The rollout batch (R1); an empty value clears it.")
@click.option("--redirect-uri", "redirect_uris", multiple=True, help="Replaces all of them.")
@click.option("--post-logout-redirect-uri", "post_logout", multiple=True, help="Replaces all.")
@click.option("--backchannel-logout-uri", help="An empty value removes it.")
@click.option("--scope")
@click.option(
    "--grant-type",
    "grant_types",
    multiple=True,
    type=click.Choice(GRANT_TYPES),
    help="Replaces all of them.",
)
@click.option(
    "--auth-method",
    type=click.Choice(AUTH_METHODS),
    help="A secret method gets a new secret if it had none (shown once); another drops it.",
)
@click.option("--jwks", help="Client public JWKS (JSON or file path) for private_key_jwt.")
@click.option("--first-party/--not-first-party", default=None, help="Skip the consent page.")
@click.option("--pkce/--no-pkce", default=None, help="Require PKCE (public clients always do).")
@click.option("--id-token-alg", type=click.Choice(ID_TOKEN_ALGS))
@with_appcontext
def clients_edit(
    client_id,
    name,
    batch,
    redirect_uris,
    post_logout,
    backchannel_logout_uri,
    scope,
    grant_types,
    auth_method,
    jwks,
    first_party,
    pkce,
    id_token_alg,
):
    """Change a client's metadata through the same checks as ``create`` and the admin pages
    (R1: ``registry.update_client``); what is not given stays."""
    from ..domain.clients import registry as clients

    def run():
        client = clients.get(client_id)
        if client is None:
            fail(f"没有这个应用：{client_id}")
        spec = clients.spec_of(client)
        if name is not None:
            spec.name = name
        if batch is not None:
            spec.batch = batch
        if redirect_uris:
            spec.redirect_uris = list(redirect_uris)
        if post_logout:
            spec.post_logout_redirect_uris = list(post_logout)
        if backchannel_logout_uri is not None:
            spec.backchannel_logout_uri = backchannel_logout_uri
        if scope is not None:
            spec.scope = scope
        if grant_types:
            spec.grant_types = list(grant_types)
        if auth_method is not None:
            spec.auth_method, spec.public = auth_method, auth_method == AUTH_NONE
        if jwks is not None:
            spec.jwks = clients.load_jwks(jwks)
        if first_party is not None:
            spec.first_party = first_party
        if pkce is not None:
            spec.require_pkce = pkce
        if id_token_alg is not None:
            spec.id_token_alg = id_token_alg
        return clients.update_client(client_id, spec)

    _client, plain = domain_call(run)
    click.echo(f"updated {client_id}")
    if plain:
        click.echo(f"client_secret: {plain}  (shown once; store it now)")


@clients_cli.command("reset-secret")
@click.argument("client_id")
@with_appcontext
def clients_reset_secret(client_id):
    """A new client_secret (R1); the old one stops working at once."""
    from ..domain.clients import registry as clients

    plain = domain_call(lambda: clients.reset_secret(client_id))
    click.echo(f"client_secret: {plain}  (shown once; store it now)")


@click.group("users", help="User accounts.")
def users_cli():
    pass


@users_cli.command("create")
@click.option("--phone", required=True)
@click.option("--name", required=True)
@click.option("--password", required=True)
@click.option("--email")
@click.option(
    "--id-type",
    type=click.Choice(
        [
            "resident_id",
            "hk_macau_permit",
            "taiwan_permit",
            "passport",
            "foreign_permanent_residence",
        ]
    ),
)
@click.option("--id-number")
@with_appcontext
def users_create(phone, name, password, email, id_type, id_number):
    from ..domain.accounts import users as accounts

    if id_number and not id_type:
        id_type = "resident_id"
    user = domain_call(
        lambda: accounts.create_natural_person(
            name=name,
            phone=phone,
            password=password,
            email=email,
            id_type=id_type,
            id_number=id_number,
        )
    )
    click.echo(f"created user sub={user.sub}")


@click.group("keys", help="ID token signing keys.")
def keys_cli():
    pass


@keys_cli.command("list")
@with_appcontext
def keys_list():
    from ..domain.models import SigningKey
    from ..extensions import db
    from ..protocol import keys

    keys.ensure_keys()
    for k in db.session.scalars(select(SigningKey).order_by(SigningKey.id)):
        click.echo(f"{k.kid}\t{k.alg}\t{k.state}\tremove_at={k.remove_at or '-'}")


@keys_cli.command("rotate")
@click.option("--alg", default=RS256, type=click.Choice([*ID_TOKEN_ALGS, "all"]))
@click.option(
    "--force",
    is_flag=True,
    help="Promote the next key even if relying parties may not have fetched it yet.",
)
@with_appcontext
def keys_rotate(alg, force):
    from ..protocol import keys

    for name in keys.ALGS if alg == "all" else [alg]:
        try:
            key = keys.rotate(name, force=force)
        except DomainError as exc:  # one transaction: no algorithm is rotated
            hint = "确需立即轮换（例如密钥泄露）时加 --force。" if exc.code == TOO_NEW else ""
            fail(f"{name}: {describe(exc)}{hint}")
        click.echo(
            f"{name}: now signing with {key.kid}; previous key stays published until its "
            f"tokens expire"
        )


@keys_cli.command(
    "reencrypt",
    help="Re-encrypt every field (ID numbers, USCCs, mobiles, "
    "e-mails, signing keys, the key check) under encryption_key_current, after adding a new key.",
)
@with_appcontext
def keys_reencrypt():
    from ..domain import keycheck, rekey, transaction
    from ..services import services

    shown = {"at": time.monotonic()}

    def progress(where: str, checked: int, so_far: rekey.RekeyReport) -> None:
        """A line on stderr at most every few seconds: a million rows take minutes."""
        if time.monotonic() - shown["at"] >= PROGRESS_EVERY:
            shown["at"] = time.monotonic()
            done = sum(so_far.reencrypted.values())
            click.echo(f"... {where}: {checked} rows checked; {done} re-encrypted so far", err=True)

    report = rekey.reencrypt(commit=transaction.commit, progress=progress)  # page by page
    keycheck.reencrypt_canary(report)  # last: the old key may go once this is under the new
    for where, n in sorted(report.reencrypted.items()):
        click.echo(f"{where}: {n} re-encrypted")
    for where, n in sorted(report.unreadable.items()):
        click.echo(f"{where}: {n} not readable with any key in the keyring", err=True)
    click.echo(
        f"done: {sum(report.reencrypted.values())} re-encrypted under {services().cipher.current}"
    )
    if report.unreadable:
        raise SystemExit(1)


@click.command("serve", help="Serve the IdP (development server; production uses gunicorn).")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@with_appcontext
def serve(host, port):
    from werkzeug.serving import run_simple

    from ..domain import transaction
    from ..protocol import keys
    from ..startup import prove_keys
    from ..worker import start_worker

    app = current_app._get_current_object()
    prove_keys(app)  # exits with the reason when a key does not match the data
    keys.ensure_keys()
    transaction.commit()
    start_worker(app)
    run_simple(host, port, app, threaded=True, use_reloader=False)
