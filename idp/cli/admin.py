"""``idp admin``: the administrators of the admin area (issue 12, "Administrators").

``create`` makes an account (the password from ``--password`` or a hidden prompt, asked
twice); its first login at ``/admin/login`` enrols the TOTP factor and replaces that initial
password, which is one-time. ``reset-totp`` forgets the factor (a lost phone): the next login
enrols a new one (and sets a new password, as every enrolment does). ``disable`` switches an account off;
its sessions end at their next request. The admin pages call the same domain operations
(``idp.domain.admins``). Each change writes its audit trail entry (``admin.*``, actor ``cli``).
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..domain import trail
from ..domain.admins import accounts as admins
from .common import domain_call


@click.group("admin", help="Administrators of the admin area (/admin).")
def admin_cli():
    pass


@admin_cli.command("create")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="The administrator's name.")
@click.option("--role", required=True, type=click.Choice(admins.ROLES))
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="The initial, one-time password (prompted for, hidden, when not given); the first "
    "login replaces it.",
)
@with_appcontext
def admin_create(username, display_name, role, password):
    admin = domain_call(lambda: admins.create(username, display_name, role, password))
    trail.record("admin.create", username=admin.username, role=role)
    click.echo(
        f"created admin {admin.username} ({admin.role}); the first login at /admin/login "
        "enrols the TOTP authenticator and sets a new password (the initial one is one-time)"
    )


@admin_cli.command("list")
@with_appcontext
def admin_list():
    for admin in admins.all_admins():
        state = "active" if admin.active else "disabled"
        totp = "totp" if admin.totp_enrolled else "no-totp"
        click.echo(f"{admin.username}\t{admin.role}\t{state}\t{totp}\t{admin.display_name}")


@admin_cli.command("disable")
@click.argument("username")
@with_appcontext
def admin_disable(username):
    admin = domain_call(lambda: admins.require(username))
    domain_call(lambda: admins.disable(admin))
    trail.record("admin.disable", username=admin.username)
    click.echo(f"disabled admin {admin.username}")


@admin_cli.command("reset-totp")
@click.argument("username")
@with_appcontext
def admin_reset_totp(username):
    admin = domain_call(lambda: admins.require(username))
    admins.reset_totp(admin)
    trail.record("admin.reset_totp", username=admin.username)
    click.echo(f"TOTP of {admin.username} cleared; the next login enrols a new authenticator")
