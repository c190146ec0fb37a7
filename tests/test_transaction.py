"""The request is the transaction (issue 10, item 1; ``idp/domain/transaction.py``).

One commit per request and per CLI command, at the edge; side effects queued with
``after_commit`` run after that commit and never for a rolled-back unit.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from idp.cli import common
from idp.domain import transaction
from idp.domain.clients import registry as clients
from idp.domain.models import Client
from idp.extensions import db
from idp.protocol import logout
from idp.services import services
from idp.web import _in_transaction
from support import make_relying_party

URI = "https://rp.example/cb"


def _committed(client_id: str) -> bool:
    """Seen from a connection of its own: committed, not merely flushed."""
    with db.engine.connect() as conn:
        return conn.scalar(select(Client.id).where(Client.client_id == client_id)) is not None


def _view(app, name, body):
    app.add_url_rule(f"/test-tx/{name}", name, _in_transaction(body), methods=["GET"])


def test_a_side_effect_runs_only_after_the_commit(app, client):
    seen = []

    def body():
        clients.create_client(name="t", redirect_uris=[URI], client_id="tx-ok")
        transaction.after_commit(lambda: seen.append(_committed("tx-ok")))
        assert seen == [] and not _committed("tx-ok")
        return "ok"

    _view(app, "ok", body)
    assert client.get("/test-tx/ok").status_code == 200
    assert seen == [True]


def test_a_side_effect_of_a_failed_request_is_never_run(app, client):
    seen = []

    def body():
        clients.create_client(name="t", redirect_uris=[URI], client_id="tx-boom")
        transaction.after_commit(lambda: seen.append("sent"))
        raise RuntimeError("boom")

    _view(app, "boom", body)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer as in production: a 500 page
    assert client.get("/test-tx/boom").status_code == 500
    assert seen == [] and not _committed("tx-boom")
    transaction.commit()  # a later commit does not run the dropped job either
    assert seen == []


def test_an_error_answer_rolls_back_unless_the_work_is_kept(app, client):
    seen = []

    def refused():
        clients.create_client(name="t", redirect_uris=[URI], client_id="tx-400")
        transaction.after_commit(lambda: seen.append("sent"))
        return "refused", 400

    def kept():
        clients.create_client(name="t", redirect_uris=[URI], client_id="tx-kept")
        transaction.keep()
        return "refused, but the revocation stands", 400

    _view(app, "refused", refused)
    _view(app, "kept", kept)
    assert client.get("/test-tx/refused").status_code == 400
    assert seen == [] and not _committed("tx-400")
    assert client.get("/test-tx/kept").status_code == 400
    assert _committed("tx-kept")


def test_a_failed_commit_answers_503_not_the_success(app, client):
    seen = []

    def body():
        clients.create_client(name="t", redirect_uris=[URI], client_id="tx-lost")
        transaction.after_commit(lambda: seen.append("sent"))
        return "tokens"

    def fail(session):
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    _view(app, "lost", body)
    transaction.commit()  # the test body's own work, before the commits start failing
    event.listen(Session, "before_commit", fail)
    try:
        response = client.get("/test-tx/lost")
    finally:
        event.remove(Session, "before_commit", fail)
    assert response.status_code == 503
    assert b"tokens" not in response.data
    assert seen == [] and not _committed("tx-lost")


def test_backchannel_notices_are_queued_only_by_a_committed_request(app, client):
    rp = make_relying_party(backchannel_logout_uri="https://rp.example/bcl")

    def queued() -> list:
        return services().store.zdue(logout.QUEUE, services().now() + 1, 10)

    def refused():
        assert logout.queue_notices("sub-1", "sid-1", [rp.client_id]) == 1
        return "refused", 400

    def ended():
        logout.queue_notices("sub-1", "sid-1", [rp.client_id])
        assert queued() == []  # not before the commit
        return "ok"

    _view(app, "refused-bcl", refused)
    _view(app, "ended-bcl", ended)
    client.get("/test-tx/refused-bcl")
    assert queued() == []
    client.get("/test-tx/ended-bcl")
    assert len(queued()) == 1


def test_a_rolled_back_savepoint_drops_its_side_effects(app):
    seen = []
    transaction.after_commit(lambda: seen.append("outer"))
    try:
        with transaction.savepoint():
            transaction.after_commit(lambda: seen.append("inner"))
            raise ValueError
    except ValueError:
        pass
    with transaction.savepoint():  # a released savepoint is no commit: its job waits
        transaction.after_commit(lambda: seen.append("released"))
    assert transaction.pending() == 2 and seen == []
    transaction.commit()
    assert seen == ["outer", "released"]


@click.command("tx-test")
@click.option("--fail", is_flag=True)
@with_appcontext
def _tx_command(fail):
    clients.create_client(name="t", redirect_uris=[URI], client_id="tx-cli")
    if fail:
        common.fail("refused")


def test_a_cli_command_commits_once_it_ran_and_not_when_it_fails(app):
    app.cli.add_command(common.in_transaction(_tx_command))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tx-test", "--fail"]).exit_code == 1
    db.session.rollback()
    assert not _committed("tx-cli")
    assert runner.invoke(args=["tx-test"]).exit_code == 0
    assert _committed("tx-cli")
