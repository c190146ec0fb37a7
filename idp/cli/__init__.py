"""The ``idp`` command: operators' interface, stable enough for scripts.

``idp db upgrade`` comes from Flask-Migrate; the rest is defined in this package, one module
per group (``operators``: clients, users, keys, serve; ``legacy``; ``registers``; ``audit``;
``maintenance``: purge, and the ``worker`` process; ``admin``: the admin area's accounts;
the demo data's group lives with it in ``idp.demo``). Every command validates its input and
exits 1 with the reason on error (exit 2 for usage errors, from click), and is one transaction
(``common.in_transaction``). ``create_app`` registers the groups here; the console script is
``idp.cli.main``, which builds the app, so this package never imports ``idp`` itself.
"""

from __future__ import annotations

from flask import Flask

from ..demo import demo_cli
from .admin import admin_cli
from .audit import audit_cli
from .common import in_transaction
from .legacy import legacy_cli
from .maintenance import maintenance_cli, worker
from .operators import clients_cli, keys_cli, serve, users_cli
from .registers import registers_cli

GROUPS = (clients_cli, users_cli, keys_cli, demo_cli, legacy_cli, audit_cli, registers_cli)
GROUPS += (maintenance_cli,)
GROUPS += (admin_cli,)


def register(app: Flask) -> None:
    """Add every ``idp`` command to ``app.cli``, each one a transaction of its own."""
    for command in GROUPS:
        app.cli.add_command(in_transaction(command))
    app.cli.add_command(serve)  # runs until stopped: commits its key set-up itself
    app.cli.add_command(worker)  # runs until stopped: each pass is its own transaction
