"""The development outbox page /dev/outbox (idp/web/dev.py) and its production guard (S7).

In development the SMS and mail outboxes keep what would have been sent, so a developer can
read a verification code; the page is 404 without an outbox, and a production configuration
with an outbox backend refuses to start (idp/config.py check_production).
"""

from __future__ import annotations

import re

import pytest

from idp import create_app
from idp.adapters.store import MemoryStore
from idp.config import ConfigError
from idp.services import services
from support import TEST_SETTINGS

REAL_BACKENDS = {
    "sms": {"backend": "http", "http_url": "http://127.0.0.1:9/sms"},
    "mail": {"backend": "smtp", "smtp_host": "127.0.0.1", "smtp_port": 9},
    "realname": {"backend": "http", "url": "http://127.0.0.1:9/verify", "api_key": "k" * 32},
    "enterprise": {"backend": "http", "url": "http://127.0.0.1:9/enterprise", "api_key": "k" * 32},
}


def production(**changes) -> dict:
    config = {
        **TEST_SETTINGS,
        "env": "production",
        "issuer": "https://id.example.gov.cn",
        "secret_key": "p" * 48,
        # Nothing listens there: building the app must not need them.
        "database_url": "postgresql+psycopg://idp@127.0.0.1:9/idp",
        "store_url": "redis://127.0.0.1:9/0",
        "encryption_key_current": "k1",
        "encryption_keys": {"k1": "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE="},
        "secrets": {"blind_index_key": "b" * 48, "client_secret_pepper": "c" * 48},
        **REAL_BACKENDS,
    }
    config.update(changes)
    return config


def test_s7_dev_outbox_lists_sent_messages(app, client):
    codes = services().codes
    codes.send("sms", "13800138000", "register", "flow-1", "203.0.113.7")
    codes.send("mail", "zhang.san@example.com", "register", "flow-1", "203.0.113.7")
    response = client.get("/dev/outbox")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    sms_code = re.search(r"【国家知识产权局】您的验证码为 (\d{6})", page).group(1)
    mail_code = re.search(r"(?s)邮箱验证码.*?您的验证码为 (\d{6})", page).group(1)
    assert "13800138000" in page and "zhang.san@example.com" in page
    assert response.headers["Cache-Control"] == "no-store"
    assert codes.verify("sms", "13800138000", "register", "flow-1", sms_code)
    assert codes.verify("mail", "zhang.san@example.com", "register", "flow-1", mail_code)


def test_s7_dev_outbox_shows_the_newest_first(app, client, clock):
    sms = services().sms
    sms.send_sms("13800138001", "第一条", "t", {})
    clock.advance(1)
    sms.send_sms("13800138002", "第二条", "t", {})
    page = client.get("/dev/outbox").get_data(as_text=True)
    assert page.index("第二条") < page.index("第一条")
    assert sms.outbox.latest()[0]["text"] == "第二条"


@pytest.mark.parametrize("settings_overrides", [REAL_BACKENDS])
def test_s7_dev_outbox_is_404_without_an_outbox(app, client):
    assert services().sms.__class__.__name__ == "HttpSmsGateway"
    assert services().mail.__class__.__name__ == "SmtpMail"
    assert client.get("/dev/outbox").status_code == 404


@pytest.mark.parametrize("channel, real", [("sms", "http"), ("mail", "smtp")])
def test_s7_production_refuses_an_outbox_backend(channel, real):
    with pytest.raises(ConfigError) as excinfo:
        create_app(production(**{channel: {"backend": "outbox"}}), store=MemoryStore())
    message = str(excinfo.value)
    assert message.startswith("refusing to start in production")
    assert f"{channel}.backend must not be the development outbox" in message
    assert f'"{real}"' in message


def test_s7_production_with_real_gateways_has_no_outbox_page():
    prod = create_app(production(), store=MemoryStore())
    with prod.app_context():
        assert services().settings.production
        assert prod.test_client().get("/dev/outbox").status_code == 404
