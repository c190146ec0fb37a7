"""The ``idp`` console script: a Flask group that builds the app each command needs.

The batch commands ``idp registers import`` and ``idp legacy import`` run on the small app
(``create_app(web=False)``: database, settings, field cipher; issue 9: a 100,000-row register
import under 100 MB), every other one on the full app, which registers the commands itself.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup

from .. import create_app
from ..config import ConfigError
from .common import fail, in_transaction
from .legacy import legacy_cli, legacy_import
from .registers import registers_cli, registers_import

# found without building an app, so that they build the small one (``_create_app``)
BATCH_GROUPS = (legacy_cli, registers_cli)
BATCH_COMMANDS = (legacy_import, registers_import)


def _create_app() -> Flask:
    ctx = click.get_current_context(silent=True)
    web = ctx is None or ctx.command not in BATCH_COMMANDS
    try:
        return create_app(web=web)
    except ConfigError as exc:
        fail(str(exc))


def main() -> None:
    cli = FlaskGroup(
        create_app=_create_app,
        add_default_commands=False,
        help="统一身份认证 (trademark IdP) operations.",
    )
    for group in BATCH_GROUPS:
        cli.add_command(in_transaction(group))
    cli.main(prog_name="idp")
