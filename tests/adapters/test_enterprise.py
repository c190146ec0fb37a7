"""Enterprise verification adapters (R2: an organisation is "verified" only after its USCC,
name and legal representative matched the national enterprise credit register).

The HTTP adapter talks to a real local fake of the register's service (a werkzeug server on
127.0.0.1 in a thread): match, no match, server errors, a real socket timeout and malformed
answers. A register that cannot answer raises ``EnterpriseUnavailable`` (fail closed); logs show
the USCC and the representative's number only masked (D5).
"""

from __future__ import annotations

import json
import logging
import threading

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from idp.adapters.enterprise import (
    HttpEnterpriseVerifier,
    LocalEnterpriseVerifier,
    make_enterprise_verifier,
    read_known_enterprises,
)
from idp.config import ConfigError, load_settings
from idp.domain.ports import EnterpriseRecord, EnterpriseUnavailable, VerificationResult
from idp.services import services
from wordkit import raises_saying, said

USCC = "9111010870000001XH"
REP_ID = "110105197001010011"
API_KEY = "test-api-key-0123456789"


def record(**changes) -> EnterpriseRecord:
    data = dict(
        uscc=USCC,
        name="北京示例科技有限公司",
        rep_name="赵六",
        rep_id_type="resident_id",
        rep_id_number=REP_ID,
    )
    return EnterpriseRecord(**{**data, **changes})


class FakeRegister:
    """The enterprise credit register's service as a WSGI app; answers what the test sets."""

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
    fake = FakeRegister()
    server = make_server("127.0.0.1", 0, fake, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_port}/v1/enterprise"
    yield fake
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def register(_server):
    _server.reset()
    yield _server
    _server.release.set()


def http_verifier(register, timeout: float = 2.0) -> HttpEnterpriseVerifier:
    return HttpEnterpriseVerifier(register.url, API_KEY, timeout=timeout)


# --- local adapter ---------------------------------------------------------------------------


def test_enterprise_local_accepts_well_formed_record():
    assert LocalEnterpriseVerifier().verify(record()) == VerificationResult(True)
    assert LocalEnterpriseVerifier().verify(record(uscc=" 9111010870000001xh ")).ok


@pytest.mark.parametrize(
    "changes",
    [
        {"uscc": "9111010870000001XA"},  # GB 32100 check character wrong
        {"rep_id_number": "110105197001010012"},  # GB 11643 check digit wrong
        {"name": "  "},
        {"rep_name": ""},
    ],
)
def test_enterprise_local_refuses_malformed_record(changes):
    result = LocalEnterpriseVerifier().verify(record(**changes))
    assert result.ok is False and result.reason


def test_enterprise_local_passes_the_refusal_up_as_a_code():
    result = LocalEnterpriseVerifier().verify(record(uscc="9111010870000001XA"))
    assert result.ok is False and getattr(result.reason, "code", None) == "uscc.checksum"


def write_enterprises(tmp_path, text: str):
    path = tmp_path / "enterprises.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_enterprise_local_known_enterprises_must_list_the_record(tmp_path, caplog):
    path = write_enterprises(
        tmp_path,
        "uscc,name,rep_name,rep_id_number\n# demo\n"
        f"{USCC.lower()},北京示例科技有限公司,赵六,{REP_ID}\n",
    )
    verifier = LocalEnterpriseVerifier(read_known_enterprises(path))
    assert verifier.verify(record(name=" 北京示例科技有限公司 ")).ok
    caplog.set_level(logging.INFO, logger="idp.adapters.enterprise")
    for changes in (
        {"name": "别的公司"},
        {"rep_name": "钱七"},
        {"rep_id_number": "11010519491231002X"},
    ):
        result = verifier.verify(record(**changes))
        assert result.ok is False and "未通过企业信息核验" in result.reason
    assert "no match" in caplog.text and USCC not in caplog.text and REP_ID not in caplog.text


def test_enterprise_local_outage_is_unavailable():
    with pytest.raises(EnterpriseUnavailable) as err:
        LocalEnterpriseVerifier(outage=True).verify(record())
    assert said(err.value) == "企业信息核验服务暂时无法使用，请稍后再试。"


def test_enterprise_local_malformed_file_refused(tmp_path):
    with pytest.raises(ConfigError, match="uscc,name,rep_name,rep_id_number"):
        read_known_enterprises(write_enterprises(tmp_path, f"{USCC},名称\n"))


# --- HTTP adapter against a real local service ----------------------------------------------


def test_enterprise_http_match(register):
    assert http_verifier(register).verify(record(uscc=" 9111010870000001xh")).ok
    headers, body = register.received[0]
    assert headers["X-Api-Key"] == API_KEY
    assert body == {
        "uscc": USCC,
        "name": "北京示例科技有限公司",
        "legal_representative": {"name": "赵六", "id_type": "resident_id", "id_number": REP_ID},
    }


def test_enterprise_http_no_match_is_an_answer(register, caplog):
    register.body = {"match": False, "reason": "法定代表人不一致"}
    caplog.set_level(logging.INFO, logger="idp.adapters.enterprise")
    assert http_verifier(register).verify(record()) == VerificationResult(False, "法定代表人不一致")
    assert "no match" in caplog.text and USCC not in caplog.text and REP_ID not in caplog.text


def test_enterprise_http_no_match_without_reason_gets_one(register):
    register.body = {"match": False}
    result = http_verifier(register).verify(record())
    assert result.ok is False and "未通过企业信息核验" in result.reason


@pytest.mark.parametrize("status", [500, 503, 401, 302])
def test_enterprise_http_error_status_fails_closed(register, status, caplog):
    register.status = status
    with pytest.raises(EnterpriseUnavailable) as err:
        http_verifier(register).verify(record())
    assert said(err.value) == "企业信息核验服务暂时无法使用，请稍后再试。"
    assert f"HTTP {status}" in caplog.text and USCC not in caplog.text


def test_enterprise_http_timeout_fails_closed(register, caplog):
    register.delay = 0.8  # the register answers too late: a real socket read timeout
    with pytest.raises(EnterpriseUnavailable) as err:
        http_verifier(register, timeout=0.2).verify(record())
    assert err.value.detail == "timeout"
    assert "timeout" in caplog.text and REP_ID not in caplog.text


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
def test_enterprise_http_malformed_answer_fails_closed(register, body):
    register.body = body
    with raises_saying(EnterpriseUnavailable, "企业信息核验服务暂时无法使用"):
        http_verifier(register).verify(record())


def test_enterprise_http_unreachable_fails_closed(register):
    verifier = HttpEnterpriseVerifier("http://127.0.0.1:1/v1/enterprise", API_KEY, timeout=0.5)
    with pytest.raises(EnterpriseUnavailable):
        verifier.verify(record())
    assert register.received == []


# --- factory and wiring ----------------------------------------------------------------------


def settings_with(**enterprise):
    return load_settings({"enterprise": enterprise}, environ={})


def test_enterprise_factory_chooses_by_backend(register, tmp_path):
    local = make_enterprise_verifier(settings_with())
    assert isinstance(local, LocalEnterpriseVerifier) and local.known is None
    assert make_enterprise_verifier(settings_with(local_outage=True)).outage is True
    path = write_enterprises(tmp_path, f"{USCC},某公司,赵六,{REP_ID}\n")
    listed = make_enterprise_verifier(settings_with(known_enterprises_file=str(path)))
    assert listed.known == {(USCC, "某公司", "赵六", REP_ID)}
    http = make_enterprise_verifier(
        settings_with(
            backend="http", url=register.url, api_key=API_KEY, timeout=1.5, api_key_header="X-Key"
        )
    )
    assert isinstance(http, HttpEnterpriseVerifier) and http.timeout == 1.5
    assert http.headers["X-Key"] == API_KEY


@pytest.mark.parametrize(
    "enterprise, named",
    [
        ({"backend": "ldap"}, "enterprise.backend"),
        ({"backend": "http"}, "enterprise.url"),
        ({"backend": "http", "url": "https://gsxt.example.gov.cn/v1"}, "enterprise.api_key"),
        ({"known_enterprises_file": "/nonexistent/enterprises.csv"}, "known_enterprises_file"),
    ],
)
def test_enterprise_factory_refuses_bad_settings(enterprise, named):
    with pytest.raises(ConfigError, match=named):
        make_enterprise_verifier(settings_with(**enterprise))


def test_enterprise_verifier_is_wired_into_the_app(app):
    verifier = services().enterprise
    assert isinstance(verifier, LocalEnterpriseVerifier)
    assert verifier.verify(record()).ok
