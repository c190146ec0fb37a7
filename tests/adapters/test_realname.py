"""Real-name verification adapters (rule S7: "the natural person's name and document number
pass real-name verification (实名认证) by a pluggable verifier").

The HTTP adapter talks to a real local fake of the national service (a werkzeug server on
127.0.0.1 in a thread): match, no match, server errors, a real socket timeout and malformed
answers. A service that cannot answer raises ``RealNameUnavailable`` (fail closed); logs show the
document number only masked (D5).
"""

from __future__ import annotations

import json
import logging
import threading

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from idp.adapters.realname import (
    HttpVerifier,
    LocalVerifier,
    make_realname_verifier,
    read_known_identities,
)
from idp.config import ConfigError, load_settings
from idp.domain.errors import ValidationError
from idp.domain.identity import documents
from idp.domain.ports import RealNameUnavailable, VerificationResult
from idp.services import services
from wordkit import raises_saying, said

ID_NUMBER = "11010519491231002X"
BAD_CHECK_DIGIT = "110105194912310021"
API_KEY = "test-api-key-0123456789"


class FakeService:
    """The national verification service as a WSGI app; answers what the test sets."""

    def reset(self):
        self.status, self.body, self.delay = 200, {"match": True}, 0.0
        self.received: list[tuple[dict, dict | None]] = []
        self.release = threading.Event()

    def __call__(self, environ, start_response):
        request = Request(environ)
        self.received.append((dict(request.headers), request.get_json(silent=True)))
        if self.delay:
            self.release.wait(self.delay)
        body = self.body if isinstance(self.body, str) else json.dumps(self.body)
        return Response(body, status=self.status, mimetype="application/json")(
            environ, start_response
        )


@pytest.fixture(scope="module")
def _server():
    fake = FakeService()
    server = make_server("127.0.0.1", 0, fake, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_port}/v1/verify"
    yield fake
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def service(_server):
    _server.reset()
    yield _server
    _server.release.set()  # let a deliberately slow answer finish now


def http_verifier(service, timeout: float = 2.0) -> HttpVerifier:
    return HttpVerifier(service.url, API_KEY, timeout=timeout, api_key_header="X-Api-Key")


# --- local adapter ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "id_type, number",
    [
        ("resident_id", ID_NUMBER),
        ("resident_id", " 11010519491231002x "),
        ("passport", "E12345678"),
        ("hk_macau_permit", "H12345678"),
    ],
)
def test_s7_realname_local_accepts_valid_document(id_type, number):
    assert LocalVerifier().verify("张三", id_type, number) == VerificationResult(True)


@pytest.mark.parametrize(
    "id_type, number",
    [
        ("resident_id", BAD_CHECK_DIGIT),
        ("resident_id", "1101051949"),
        ("passport", "X1234"),
        ("no_such_type", ID_NUMBER),
    ],
)
def test_s7_realname_local_refuses_invalid_document(id_type, number):
    """The reason is the document validator's own refusal (D1), passed up with its code: the
    pages say it in the visitor's language."""
    with pytest.raises(ValidationError) as err:
        documents.validate_id_number(id_type, number)
    result = LocalVerifier().verify("张三", id_type, number)
    assert result.ok is False and isinstance(result.reason, ValidationError)
    assert result.reason.code == err.value.code and said(result.reason) == said(err.value)


def write_identities(tmp_path, text: str):
    path = tmp_path / "identities.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_s7_realname_local_known_identities_must_list_the_triple(tmp_path, caplog):
    path = write_identities(
        tmp_path,
        "name,id_type,id_number\n# test people\n"
        f"张三,resident_id,{ID_NUMBER.lower()}\n"
        "李四,passport,E12345678\n",
    )
    verifier = LocalVerifier(read_known_identities(path))
    assert verifier.verify(" 张三 ", "resident_id", ID_NUMBER).ok
    assert verifier.verify("李四", "passport", "e12345678").ok
    caplog.set_level(logging.INFO, logger="idp.adapters.realname")
    for name, id_type, number in [
        ("李四", "resident_id", ID_NUMBER),  # someone else's number
        ("张三", "passport", "E12345678"),  # type and number swapped
        ("王五", "passport", "G12345678"),
    ]:  # unknown altogether
        result = verifier.verify(name, id_type, number)
        assert result.ok is False and "不一致" in result.reason
    assert "1101**********002X" in caplog.text and ID_NUMBER not in caplog.text


def test_s7_realname_local_malformed_identities_file_refused(tmp_path):
    with pytest.raises(ConfigError, match="name,id_type,id_number"):
        read_known_identities(write_identities(tmp_path, "张三,resident_id\n"))


# --- HTTP adapter against a real local service ----------------------------------------------


def test_s7_realname_http_match(service):
    assert http_verifier(service).verify("张三", "resident_id", " 11010519491231002x").ok
    headers, body = service.received[0]
    assert headers["X-Api-Key"] == API_KEY
    assert body == {"name": "张三", "id_type": "resident_id", "id_number": ID_NUMBER}


def test_s7_realname_http_no_match_is_an_answer(service, caplog):
    service.body = {"match": False, "reason": "姓名与身份证号码不一致"}
    caplog.set_level(logging.INFO, logger="idp.adapters.realname")
    result = http_verifier(service).verify("张三", "resident_id", ID_NUMBER)
    assert result == VerificationResult(False, "姓名与身份证号码不一致")
    assert "no match" in caplog.text and ID_NUMBER not in caplog.text


def test_s7_realname_http_no_match_without_reason_gets_one(service):
    service.body = {"match": False}
    result = http_verifier(service).verify("张三", "resident_id", ID_NUMBER)
    assert result.ok is False and "未通过实名认证" in result.reason


@pytest.mark.parametrize("status", [500, 503, 401, 302])
def test_s7_realname_http_error_status_fails_closed(service, status, caplog):
    service.status, service.body = status, {"match": True}
    with pytest.raises(RealNameUnavailable) as err:
        http_verifier(service).verify("张三", "resident_id", ID_NUMBER)
    assert said(err.value) == "实名认证服务暂时无法使用，请稍后再试。"
    assert f"HTTP {status}" in caplog.text and "1101**********002X" in caplog.text
    assert ID_NUMBER not in caplog.text


def test_s7_realname_http_timeout_fails_closed(service, caplog):
    service.delay = 0.8  # the service answers too late: a real socket read timeout
    with pytest.raises(RealNameUnavailable) as err:
        http_verifier(service, timeout=0.2).verify("张三", "resident_id", ID_NUMBER)
    assert err.value.detail == "timeout"
    assert "timeout" in caplog.text and ID_NUMBER not in caplog.text


@pytest.mark.parametrize(
    "body",
    [
        "not json at all",
        "",
        "[true]",
        '{"match": "yes"}',
        '{"reason": "ok"}',
        "null",
    ],
)
def test_s7_realname_http_malformed_answer_fails_closed(service, body):
    service.body = body
    with raises_saying(RealNameUnavailable, "实名认证服务暂时无法使用"):
        http_verifier(service).verify("张三", "resident_id", ID_NUMBER)


def test_s7_realname_http_unreachable_fails_closed(service):
    verifier = HttpVerifier("http://127.0.0.1:1/v1/verify", API_KEY, timeout=0.5)
    with pytest.raises(RealNameUnavailable):
        verifier.verify("张三", "resident_id", ID_NUMBER)
    assert service.received == []


# --- factory and wiring ----------------------------------------------------------------------


def settings_with(**realname):
    return load_settings({"realname": realname}, environ={})


def test_s7_realname_factory_chooses_by_backend(service, tmp_path):
    assert isinstance(make_realname_verifier(settings_with()), LocalVerifier)
    assert make_realname_verifier(settings_with()).known is None
    path = write_identities(tmp_path, f"张三,resident_id,{ID_NUMBER}\n")
    local = make_realname_verifier(settings_with(known_identities_file=str(path)))
    assert local.known == {("张三", "resident_id", ID_NUMBER)}
    http = make_realname_verifier(
        settings_with(
            backend="http", url=service.url, api_key=API_KEY, timeout=1.5, api_key_header="X-Key"
        )
    )
    assert isinstance(http, HttpVerifier) and http.timeout == 1.5
    assert http.headers["X-Key"] == API_KEY


@pytest.mark.parametrize(
    "realname, named",
    [
        ({"backend": "ldap"}, "realname.backend"),
        ({"backend": "http"}, "realname.url"),
        ({"backend": "http", "url": "https://verify.example.gov.cn/v1"}, "realname.api_key"),
        ({"known_identities_file": "/nonexistent/identities.csv"}, "known_identities_file"),
    ],
)
def test_s7_realname_factory_refuses_bad_settings(realname, named):
    with pytest.raises(ConfigError, match=named):
        make_realname_verifier(settings_with(**realname))


def test_s7_realname_verifier_is_wired_into_the_app(app):
    verifier = services().realname
    assert isinstance(verifier, LocalVerifier)
    assert verifier.verify("张三", "resident_id", ID_NUMBER).ok
