"""The client address behind the office's reverse proxy (``proxy.trusted_hops``): every per-IP
limit counts the address the trusted proxies reported, and a client cannot choose its own by
sending X-Forwarded-For where no proxy is trusted."""

from __future__ import annotations

import pytest

from idp import create_app
from idp.extensions import db
from idp.web.client_ip import client_ip
from support import PASSWORD, PHONE, TEST_SETTINGS, form_fields, html_of

PROXY, CLIENT, FORGED = "10.0.0.2", "203.0.113.7", "198.51.100.9"
ANSWER = "2468"


@pytest.fixture
def probe_app(app):
    """Makes IdPs like ``app`` with ``hops`` trusted proxies and a view that tells client_ip();
    their database connections are closed afterwards."""
    made = []

    def make(hops: int):
        config = {
            **TEST_SETTINGS,
            "database_url": app.config["SQLALCHEMY_DATABASE_URI"],
            "proxy": {"trusted_hops": hops},
            "captcha": {"deterministic": True, "deterministic_answer": ANSWER},
        }
        probe = create_app(
            config, clock=app.extensions["idp"].clock, store=app.extensions["idp"].store
        )
        probe.add_url_rule("/_client_ip", "client_ip_probe", lambda: client_ip())
        made.append(probe)
        return probe

    yield make
    for probe in made:
        with probe.app_context():
            db.session.remove()
            db.engine.dispose()


def login(client, forwarded: str, password: str):
    """The personal entry's password login from behind the proxy (captcha answered)."""
    extra = {"headers": {"X-Forwarded-For": forwarded}, "environ_base": {"REMOTE_ADDR": PROXY}}
    for _ in range(2):  # a captcha the account asks for shows on the page after the first post
        action, hidden = form_fields(html_of(client.get("/login", **extra)))
        response = client.post(
            action,
            data={**hidden, "identifier": PHONE, "password": password, "captcha": ANSWER},
            **extra,
        )
        if "验证码错误" not in html_of(response):
            break
    return response


def seen(app, forwarded: str | None) -> str:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return (
        app.test_client()
        .get("/_client_ip", headers=headers, environ_base={"REMOTE_ADDR": PROXY})
        .get_data(as_text=True)
    )


def test_forged_forwarded_for_is_ignored_without_trusted_proxies(probe_app):
    probe = probe_app(0)
    assert seen(probe, FORGED) == PROXY
    assert seen(probe, None) == PROXY


def test_one_trusted_proxy_gives_the_address_it_appended(probe_app):
    probe = probe_app(1)
    assert seen(probe, CLIENT) == CLIENT
    # a client's own X-Forwarded-For is kept in front by the proxy: only the last entry counts
    assert seen(probe, f"{FORGED}, {CLIENT}") == CLIENT


@pytest.mark.parametrize("hops, owner_gets_in", [(1, True), (0, False)])
def test_login_throttle_counts_the_forwarded_client(app, probe_app, user, hops, owner_gets_in):
    """Behind one trusted proxy two clients are two IPs: a stranger locking the pair (account,
    stranger's IP) leaves the owner free. With no trusted proxy the forged headers are ignored,
    both are the socket peer, and the stranger's failures hold for every client behind it."""
    probe = probe_app(hops)
    limit = int(app.extensions["idp"].settings.login.max_failures)
    stranger, owner = probe.test_client(), probe.test_client()
    for _ in range(limit):
        assert "账号或密码错误" in html_of(login(stranger, FORGED, "Wrong-password-1"))
    response = login(owner, CLIENT, PASSWORD)
    assert (response.status_code == 302) is owner_gets_in, html_of(response)


@pytest.mark.parametrize("hops", [-1, "1x", True])
def test_trusted_hops_must_be_a_whole_number(hops):
    from idp.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match="trusted_hops"):
        load_settings({"proxy": {"trusted_hops": hops}})
