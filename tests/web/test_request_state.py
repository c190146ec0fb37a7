"""One request's state stays with that request.

``g`` carries a request's SSO session, cookie changes and CSRF token; Flask gives every
request an app context (so a ``g``) of its own when none is pushed, and the test client does
the same although the test body keeps one pushed (``support.RequestClient``). Production code
therefore never clears ``g`` itself.
"""

from __future__ import annotations

from flask import g

from idp.domain.models import User
from idp.extensions import db


def _probe_routes(app):
    def seen():
        return {"seen": sorted(k for k in vars(g) if k.startswith("probe"))}

    def remember():
        g.probe_value = "secret of this request"
        return seen()

    app.add_url_rule("/probe/remember", "probe_remember", remember)
    app.add_url_rule("/probe/seen", "probe_seen", seen)


def test_request_state_g_of_one_request_is_not_seen_by_the_next(app, client):
    _probe_routes(app)
    assert client.get("/probe/remember").get_json() == {"seen": ["probe_value"]}
    assert client.get("/probe/seen").get_json() == {"seen": []}


def test_request_state_g_of_the_test_body_is_not_seen_by_a_request(app, client):
    _probe_routes(app)
    g.probe_of_the_test = "set outside any request"
    assert client.get("/probe/seen").get_json() == {"seen": []}
    client.get("/probe/remember")
    assert g.probe_of_the_test == "set outside any request"
    assert "probe_value" not in vars(g)


def test_request_state_test_body_reads_what_a_request_committed(app, client, user):
    """The request runs on a database session of its own; the test body's re-reads."""

    def rename():
        db.session.get(User, user_id).name = "李四"
        db.session.commit()
        return "", 204

    user_id = user.id
    app.add_url_rule("/probe/rename", "probe_rename", rename)
    assert user.name == "张三"
    assert client.get("/probe/rename").status_code == 204
    assert user.name == "李四"
