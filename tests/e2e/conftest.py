"""Real HTTP servers for end-to-end tests: the IdP and the sample subsystems on loopback ports.

The IdP is the ``app`` fixture (its tables are emptied after each test) served on a port bound
first, so its issuer carries the real port; each sample is registered with it as a client.
"""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from clients.trademark_application import SUBSYSTEM as APPLICATION
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
def serve_samples(app, idp_slot, idp_url, serve):
    """``serve_samples(*subsystems)``: the IdP served, and each sample subsystem registered
    with it as a client of its own and served, linking to the others; returns a
    ``(url, client_id)`` per subsystem."""
    idp_slot.app = app

    def start(*subsystems) -> list[tuple[str, str]]:
        slots = [Slot() for _ in subsystems]
        urls = [serve(slot) for slot in slots]
        registered = [
            clients.create_client(
                name=subsystem.name,
                redirect_uris=[url + "/callback"],
                post_logout_redirect_uris=[url + "/"],
                backchannel_logout_uri=url + "/backchannel-logout",
                scope="openid profile email phone trademark",
            )
            for subsystem, url in zip(subsystems, urls, strict=True)
        ]
        transaction.commit()  # as `idp clients create` would: the server's threads see it
        peers = [(subsystem.name, url) for subsystem, url in zip(subsystems, urls, strict=True)]
        for subsystem, slot, url, (client, secret) in zip(
            subsystems, slots, urls, registered, strict=True
        ):
            slot.app = subsystem.create_app(
                {
                    "issuer": idp_url,
                    "client_id": client.client_id,
                    "client_secret": secret,
                    "base_url": url,
                    "peers": [peer for peer in peers if peer[1] != url],
                }
            )
        return [(url, client.client_id) for url, (client, _) in zip(urls, registered, strict=True)]

    return start


@pytest.fixture
def sample(serve_samples):
    """The IdP served, 商标网上申请 registered with it and served; returns (url, client_id)."""
    return serve_samples(APPLICATION)[0]
