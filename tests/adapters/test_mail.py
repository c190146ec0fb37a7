"""SMTP and outbox mail adapters (idp/adapters/mail.py) for verification codes (domain.md S7).

A real SMTP server (aiosmtpd) runs on 127.0.0.1 for each test: plain (RFC 5321), STARTTLS with
login (RFC 3207, RFC 4954) and implicit TLS (RFC 8314) with a certificate made in the test.
UTF-8 subjects are RFC 2047 encoded words; the body is a UTF-8 text part.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import socket
import ssl

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from idp.adapters.mail import OutboxMail, SmtpMail
from idp.adapters.messaging import make_mail_sender
from idp.config import ConfigError, load_settings
from idp.domain.ports import SendFailed
from idp.domain.verification.codes import VerificationCodes

TO = "zhang.san@example.com"
FROM = "noreply@example.gov.cn"
SUBJECT = "国家知识产权局统一身份认证：邮箱验证码"
PASSWORD = "s3cret-Pa55"  # smtplib sends AUTH PLAIN/LOGIN as ASCII (see the settings test)
BODY = "您的验证码为 654321，5 分钟内有效。请勿泄露。\n如非本人操作，请忽略本邮件。"


class Inbox:
    """aiosmtpd handler: keeps every envelope; refuses recipients at refused.example."""

    def __init__(self):
        self.envelopes, self.logins = [], []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@refused.example"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login, auth_data.password) == (b"idp", PASSWORD.encode())
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok, handled=False)  # aiosmtpd answers 535 on failure

    def message(self, n: int = -1) -> email.message.EmailMessage:
        return email.message_from_bytes(
            self.envelopes[n].original_content, policy=email.policy.default
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (cert file, key file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, False, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("smtp-tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_file), str(key_file)


def server_context(certificate) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


@pytest.fixture
def smtp_server():
    """Start an SMTP server: ``start(**controller kwargs) -> (inbox, port)``."""
    controllers = []

    def start(**kwargs):
        inbox = Inbox()
        if kwargs.pop("login", False):
            kwargs["authenticator"] = inbox.authenticate
        controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **kwargs)
        controller.start()
        controllers.append(controller)
        return inbox, controller.port

    yield start
    for controller in controllers:
        controller.stop()


def test_rfc5321_plain_smtp_delivers_a_utf8_message(smtp_server):
    inbox, port = smtp_server()
    SmtpMail(
        "127.0.0.1",
        port,
        security="none",
        from_address=FROM,
        from_name="国家知识产权局统一身份认证",
        timeout=5,
    ).send_mail(TO, SUBJECT, BODY)
    [envelope] = inbox.envelopes
    assert envelope.mail_from == FROM and envelope.rcpt_tos == [TO]
    raw = envelope.original_content.decode("ascii")  # 7-bit clean on the wire
    assert "=?utf-8?" in raw and "Content-Transfer-Encoding: base64" in raw
    msg = inbox.message()
    assert msg["Subject"] == SUBJECT
    assert msg["To"] == TO
    assert msg["From"].addresses[0].addr_spec == FROM
    assert msg["From"].addresses[0].display_name == "国家知识产权局统一身份认证"
    assert msg.get_content_type() == "text/plain" and msg.get_content_charset() == "utf-8"
    assert msg.get_content().rstrip("\n") == BODY
    assert msg["Message-ID"].endswith("@example.gov.cn>") and msg["Date"]


def test_rfc3207_starttls_with_login(smtp_server, certificate):
    inbox, port = smtp_server(
        tls_context=server_context(certificate), require_starttls=True, login=True
    )
    SmtpMail(
        "127.0.0.1",
        port,
        security="starttls",
        username="idp",
        password=PASSWORD,
        from_address=FROM,
        ca_file=certificate[0],
        timeout=5,
    ).send_mail(TO, SUBJECT, BODY)
    assert inbox.logins == ["idp"]
    assert inbox.message()["Subject"] == SUBJECT


def test_rfc4954_wrong_password_is_send_failed(smtp_server, certificate):
    inbox, port = smtp_server(
        tls_context=server_context(certificate), require_starttls=True, login=True
    )
    mailer = SmtpMail(
        "127.0.0.1",
        port,
        username="idp",
        password="wrong",
        from_address=FROM,
        ca_file=certificate[0],
        timeout=5,
    )
    with pytest.raises(SendFailed, match="535"):
        mailer.send_mail(TO, SUBJECT, BODY)
    assert inbox.envelopes == []


def test_rfc3207_untrusted_certificate_is_send_failed(smtp_server, certificate):
    """Without the test CA the self-signed certificate is not trusted: no mail, no login."""
    inbox, port = smtp_server(
        tls_context=server_context(certificate), require_starttls=True, login=True
    )
    mailer = SmtpMail(
        "127.0.0.1", port, username="idp", password=PASSWORD, from_address=FROM, timeout=5
    )
    with pytest.raises(SendFailed, match="SSLCertVerificationError"):
        mailer.send_mail(TO, SUBJECT, BODY)
    assert inbox.envelopes == [] and inbox.logins == []


def test_rfc8314_implicit_tls(smtp_server, certificate):
    inbox, port = smtp_server(ssl_context=server_context(certificate))
    SmtpMail(
        "127.0.0.1", port, security="ssl", from_address=FROM, ca_file=certificate[0], timeout=5
    ).send_mail(TO, SUBJECT, BODY)
    assert inbox.message().get_content().rstrip("\n") == BODY


def test_rfc5321_refused_recipient_is_send_failed(smtp_server):
    inbox, port = smtp_server()
    mailer = SmtpMail("127.0.0.1", port, security="none", from_address=FROM, timeout=5)
    with pytest.raises(SendFailed) as excinfo:
        mailer.send_mail("nobody@refused.example", SUBJECT, BODY)
    assert "nobody@refused.example" not in str(excinfo.value)
    assert inbox.envelopes == []


def test_smtp_server_not_listening_is_send_failed():
    mailer = SmtpMail("127.0.0.1", free_port(), security="none", from_address=FROM, timeout=2)
    with pytest.raises(SendFailed, match="ConnectionRefusedError"):
        mailer.send_mail(TO, SUBJECT, BODY)


def test_s7_mail_code_arrives_over_smtp_and_verifies(smtp_server, store, clock):
    inbox, port = smtp_server()
    conf = load_settings(
        {
            "mail": {
                "backend": "smtp",
                "smtp_host": "127.0.0.1",
                "smtp_port": port,
                "smtp_security": "none",
            }
        },
        environ={},
    )
    codes = VerificationCodes(store, clock, None, make_mail_sender(conf, store, clock), conf)
    codes.send("mail", "Zhang.San@example.com", "register", "flow-1", "203.0.113.7")
    msg = inbox.message()
    assert msg["To"] == TO and msg["Subject"] == SUBJECT
    assert msg["From"].addresses[0].addr_spec == "noreply@example.gov.cn"
    body = msg.get_content()
    assert body.startswith("您的验证码为 ") and "5 分钟内有效" in body
    code = body.split("您的验证码为 ")[1][:6]
    assert codes.verify("mail", TO, "register", "flow-1", code) is True


def test_mail_outbox_keeps_the_latest_messages(store, clock):
    conf = load_settings({"mail": {"outbox_keep": 2}}, environ={})
    sender = make_mail_sender(conf, store, clock)
    assert isinstance(sender, OutboxMail)
    for n in range(3):
        sender.send_mail(f"user{n}@example.com", SUBJECT, f"body {n}")
    assert sender.outbox.latest() == [
        {
            "to": f"user{n}@example.com",
            "from": FROM,
            "subject": SUBJECT,
            "body": f"body {n}",
            "at": clock.now(),
        }
        for n in (2, 1)
    ]


@pytest.mark.parametrize(
    "mail, named",
    [
        ({"backend": "pigeon"}, "mail.backend"),
        ({"backend": "smtp", "smtp_host": ""}, "mail.smtp_host"),
        ({"backend": "smtp", "smtp_host": "mx", "smtp_security": "tls"}, "mail.smtp_security"),
        ({"backend": "smtp", "smtp_host": "mx", "smtp_password": "密码"}, "mail.smtp_password"),
    ],
)
def test_mail_backend_settings_that_cannot_work_are_refused(mail, named, store, clock):
    with pytest.raises(ConfigError, match=named):
        make_mail_sender(load_settings({"mail": mail}, environ={}), store, clock)
