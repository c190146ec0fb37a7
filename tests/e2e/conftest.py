"""Real HTTP servers for end-to-end tests: the IdP and the sample subsystem on loopback ports.

The IdP is the ``app`` fixture (its tables are emptied after each test) served on a port bound
first, so its issuer carries the real port; the sample is registered with it as a client.
"""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from clients.trademark_application import create_app as create_sample
from idp.adapters.clock import SystemClock
from idp.domain import transaction
from idp.domain.clients import registry as clients


class Slot:
    """A WSGI app filled in after the socket is bound: the issuer must carry the real port."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@pytest.fixture
def serve():
    started = []

    def start(slot: Slot) -> str:
        server = make_server("127.0.0.1", 0, slot, threaded=True)
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        started.append((server, thread))
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server, thread in started:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def idp_slot():
    return Slot()


@pytest.fixture
def idp_url(serve, idp_slot):
    return serve(idp_slot)


@pytest.fixture
def settings_overrides(idp_url):
    return {"issuer": idp_url}


@pytest.fixture
def clock():
    return SystemClock()  # the sample checks token times against the real clock


@pytest.fixture
def sample(app, idp_slot, idp_url, serve):
    """The IdP served, the sample registered with it and served; returns (url, client_id)."""
    idp_slot.app = app
    slot = Slot()
    url = serve(slot)
    client, secret = clients.create_client(
        name="商标网上申请",
        redirect_uris=[url + "/callback"],
        post_logout_redirect_uris=[url + "/"],
        backchannel_logout_uri=url + "/backchannel-logout",
        scope="openid profile email phone trademark",
    )
    transaction.commit()  # as `idp clients create` would: the server's threads see it, unlocked
    slot.app = create_sample(
        {"issuer": idp_url, "client_id": client.client_id, "client_secret": secret, "base_url": url}
    )
    return url, client.client_id
