"""The service registry (idp/services.py): each adapter is a typed field implementing its port
(idp/domain/ports.py); the batch app leaves the web-only ones unwired and says so when asked.
"""

from __future__ import annotations

import inspect

import pytest

from idp import create_app
from idp.domain import ports
from idp.services import NotWired, Services, WebOnly, services
from support import TEST_SETTINGS

PORTS = {
    "store": ports.Store,
    "sender": ports.Sender,
    "captcha": ports.Captcha,
    "realname": ports.RealNameVerifier,
    "enterprise": ports.EnterpriseVerifier,
    "sms": ports.SmsSender,
    "mail": ports.MailSender,
    "codes": ports.Codes,
    "files": ports.FileStore,
}
WEB_ONLY = sorted(n for n, v in vars(Services).items() if isinstance(v, WebOnly))


def _methods(port: type) -> list[str]:
    return [
        name
        for name, value in vars(port).items()
        if not name.startswith("_") and inspect.isfunction(value)
    ]


def test_every_web_only_field_but_sessions_is_typed_with_a_port():
    assert set(WEB_ONLY) == set(PORTS) | {"sessions"}


def test_the_web_app_wires_each_service_with_the_methods_of_its_port(app):
    with app.app_context():
        svc = services()
        for name, port in PORTS.items():
            adapter = getattr(svc, name)
            for method in _methods(port):
                assert callable(getattr(adapter, method, None)), f"{name} lacks {method}"
        assert svc.sessions.keys_for_user(1) == set()


def test_the_batch_app_leaves_the_web_only_services_unwired_and_says_so(database_url):
    app = create_app({**TEST_SETTINGS, "database_url": database_url}, web=False)
    with app.app_context():
        svc = services()
        assert svc.settings.issuer and svc.cipher is not None and svc.now() > 0
        for name in WEB_ONLY:
            assert svc.wired(name) is None
            with pytest.raises(
                NotWired,
                match=rf"services\(\)\.{name} is wired only in the web "
                r"app.*create_app\(web=False\)",
            ):
                getattr(svc, name)
