"""``idp maintenance purge``: keeping the data small (issue 11).

``purge`` is many transactions by design (one per batch, ``idp.protocol.retention``): it gets
the edge's ``transaction.commit`` and prints what it removed.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("maintenance", help="Housekeeping of the database and the store.")
def maintenance_cli():
    pass


@maintenance_cli.command(
    "purge",
    help="Delete token rows dead for longer than retention.keep (expired access-only tokens, "
    "expired or revoked refresh families) and stale session index entries; print the counts.",
)
@with_appcontext
def maintenance_purge():
    from ..domain import transaction
    from ..protocol import retention

    for line in retention.purge(transaction.commit).lines():
        click.echo(line)
