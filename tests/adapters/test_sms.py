"""SMS adapters (idp/adapters/sms.py) for verification codes (domain.md S7).

The HTTP gateway adapter is exercised against a real HTTP server on 127.0.0.1 (werkzeug, in a
thread) that records each request: JSON body, API-key header, and failures (5xx, redirect,
timeout, nothing listening) become ``SendFailed``. The outbox keeps messages in the store.
"""

from __future__ import annotations

import json
import socket
import threading

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from idp.adapters.messaging import make_sms_sender
from idp.adapters.outbox import Outbox
from idp.adapters.sms import HttpSmsGateway, OutboxSms
from idp.config import ConfigError, load_settings
from idp.domain.ports import SendFailed
from idp.domain.verification.codes import DeliveryFailed, VerificationCodes, WrongCode
from wordkit import raises_saying

PHONE = "13800138000"
TEXT = "【国家知识产权局】您的验证码为 123456，5 分钟内有效。请勿泄露。"


class FakeGateway:
    """Answers ``status`` (or waits for ``release`` when ``hang``) and records requests."""

    def __init__(self):
        self.requests, self.status, self.hang = [], 200, False
        self.release = threading.Event()
        self.server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @Request.application
    def wsgi(self, request: Request) -> Response:
        self.requests.append(
            {
                "method": request.method,
                "path": request.path,
                "headers": dict(request.headers),
                "body": request.get_data(as_text=True),
            }
        )
        if self.hang:
            self.release.wait(10)
        if self.status in (301, 302):
            return Response("", self.status, headers={"Location": "http://127.0.0.1:9/"})
        return Response(
            json.dumps({"ok": self.status < 300}), self.status, mimetype="application/json"
        )


@pytest.fixture
def gateway():
    gw = FakeGateway()
    gw.thread.start()
    yield gw
    gw.release.set()
    gw.server.shutdown()
    gw.server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def settings(**sms):
    return load_settings({"sms": {"backend": "http", **sms}}, environ={})


def test_sms_gateway_posts_json_with_bearer_key(gateway, store, clock):
    sender = make_sms_sender(settings(http_url=gateway.url, http_api_key="k-123"), store, clock)
    assert isinstance(sender, HttpSmsGateway)
    sender.send_sms(PHONE, TEXT, "verification_code", {"code": "123456", "minutes": "5"})
    [req] = gateway.requests
    assert req["method"] == "POST" and req["path"] == "/v1/sms"
    assert req["headers"]["Authorization"] == "Bearer k-123"
    assert req["headers"]["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(req["body"]) == {
        "phone": PHONE,
        "text": TEXT,
        "template": "verification_code",
        "params": {"code": "123456", "minutes": "5"},
    }
    assert "国家知识产权局" in req["body"]  # UTF-8 on the wire, not \\u escapes


def test_sms_gateway_api_key_in_a_custom_header(gateway, store, clock):
    sender = make_sms_sender(
        settings(
            http_url=gateway.url,
            http_api_key="k-456",
            http_api_key_header="X-Api-Key",
            http_api_key_prefix="",
        ),
        store,
        clock,
    )
    sender.send_sms(PHONE, TEXT, "verification_code", {})
    headers = gateway.requests[0]["headers"]
    assert headers["X-Api-Key"] == "k-456" and "Authorization" not in headers


@pytest.mark.parametrize("status", [500, 503, 400, 401, 302])
def test_sms_gateway_non_2xx_is_send_failed(gateway, status):
    gateway.status = status
    with pytest.raises(SendFailed) as excinfo:
        HttpSmsGateway(gateway.url, "k").send_sms(PHONE, TEXT, "verification_code", {})
    assert f"HTTP {status}" in str(excinfo.value)
    assert PHONE not in str(excinfo.value) and "123456" not in str(excinfo.value)
    assert len(gateway.requests) == 1  # a redirect is not followed


def test_sms_gateway_timeout_is_send_failed(gateway):
    gateway.hang = True
    with pytest.raises(SendFailed, match="did not answer within 0.3 s"):
        HttpSmsGateway(gateway.url, "k", timeout=0.3).send_sms(PHONE, TEXT, "t", {})
    gateway.release.set()


def test_sms_gateway_unreachable_is_send_failed():
    gateway = HttpSmsGateway(f"http://127.0.0.1:{free_port()}/sms", "k", timeout=2)
    with pytest.raises(SendFailed, match="unreachable"):
        gateway.send_sms(PHONE, TEXT, "t", {})


def test_s7_code_through_the_http_gateway_and_a_failed_send_can_be_retried(gateway, store, clock):
    """A 500 from the gateway leaves no usable code and no 60-second wait (S7)."""
    conf = load_settings(
        {"sms": {"backend": "http", "http_url": gateway.url, "http_api_key": "k"}}, environ={}
    )
    codes = VerificationCodes(store, clock, make_sms_sender(conf, store, clock), None, conf)
    gateway.status = 500
    with raises_saying(DeliveryFailed, "短信发送失败，请稍后重试"):
        codes.send("sms", PHONE, "register", "flow-1", "203.0.113.7")
    failed_code = json.loads(gateway.requests[-1]["body"])["params"]["code"]

    gateway.status = 200
    codes.send("sms", PHONE, "register", "flow-1", "203.0.113.7")  # at once
    body = json.loads(gateway.requests[-1]["body"])
    assert body["phone"] == PHONE and body["text"].startswith("【国家知识产权局】您的验证码为 ")
    if failed_code != body["params"]["code"]:
        with pytest.raises(WrongCode):
            codes.verify("sms", PHONE, "register", "flow-1", failed_code)
    assert codes.verify("sms", PHONE, "register", "flow-1", body["params"]["code"]) is True


def test_sms_outbox_keeps_the_latest_messages(store, clock):
    conf = load_settings({"sms": {"backend": "outbox", "outbox_keep": 3}}, environ={})
    sender = make_sms_sender(conf, store, clock)
    assert isinstance(sender, OutboxSms) and isinstance(sender.outbox, Outbox)
    for n in range(5):
        clock.advance(1)
        sender.send_sms(f"1380013800{n}", f"text {n}", "verification_code", {"code": str(n)})
    latest = sender.outbox.latest()
    assert [m["to"] for m in latest] == ["13800138004", "13800138003", "13800138002"]
    assert latest[0] == {
        "to": "13800138004",
        "text": "text 4",
        "template": "verification_code",
        "params": {"code": "4"},
        "at": clock.now(),
    }


@pytest.mark.parametrize(
    "sms, named",
    [
        ({"backend": "carrier-pigeon"}, "sms.backend"),
        ({"backend": "http", "http_url": ""}, "sms.http_url"),
    ],
)
def test_sms_backend_settings_that_cannot_work_are_refused(sms, named, store, clock):
    with pytest.raises(ConfigError, match=named):
        make_sms_sender(load_settings({"sms": sms}, environ={}), store, clock)
