"""``idp maintenance purge`` and ``idp worker``: keeping the data small and running the
background work in a process of its own (issue 11).

``purge`` is many transactions by design (one per batch, ``idp.protocol.retention``): it gets
the edge's ``transaction.commit`` and prints what it removed. ``worker`` runs the background
worker's loop in the foreground (``idp.worker``) until SIGTERM or SIGINT, after which it
finishes the pass in progress and exits 0; like ``serve`` it runs until stopped, so it is not
one transaction (each pass is).
"""

from __future__ import annotations

import logging
import threading

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group("maintenance", help="Housekeeping of the database and the store.")
def maintenance_cli():
    pass


@maintenance_cli.command(
    "purge",
    help="Delete token rows dead for longer than retention.keep (expired access-only tokens, "
    "expired or revoked refresh families), stale session index entries and audit trail entries "
    "older than audit.keep_days (with a checkpoint entry); print the counts.",
)
@with_appcontext
def maintenance_purge():
    from ..domain import transaction
    from ..protocol import retention

    for line in retention.purge(transaction.commit).lines():
        click.echo(line)


@click.command(
    "worker",
    help="Run the background worker (back-channel logout, session expiry, retention purge) "
    "in the foreground until SIGTERM/SIGINT; for web processes with "
    "logout.background_worker = false.",
)
@click.option("--interval", type=float, help="Seconds between passes (logout.worker_interval).")
@with_appcontext
def worker(interval):
    from .. import worker as background
    from ..startup import prove_keys

    app = current_app._get_current_object()
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    prove_keys(app)  # a worker signs logout tokens and writes rows: the same proof as serving
    every = (
        interval if interval is not None else app.extensions["idp"].settings.logout.worker_interval
    )
    stop = threading.Event()
    restore = background.stop_on_signals(stop)
    logging.getLogger("idp.worker").info("worker started, a pass every %s s", every)
    try:
        background.run_until_stopped(app, stop, every)
    finally:
        restore()
    logging.getLogger("idp.worker").info("worker stopped")
