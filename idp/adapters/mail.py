"""Mail adapters (``idp.domain.ports.MailSender``): the development outbox and SMTP.

SMTP through ``smtplib``: ``security`` is "starttls" (submission, port 587), "ssl" (implicit
TLS, port 465) or "none" (a trusted local relay only); login only when a username is set.
Certificates are checked against the system's CAs or ``ca_file``. Every SMTP or network
failure raises ``SendFailed`` (the message names the failure, not the recipient).
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from ..domain.ports import SendFailed
from .outbox import Outbox

SECURITY = ("starttls", "ssl", "none")


class OutboxMail:
    def __init__(self, outbox: Outbox, from_address: str):
        self.outbox, self.from_address = outbox, from_address

    def send_mail(self, to: str, subject: str, body: str) -> None:
        self.outbox.put({"to": to, "from": self.from_address, "subject": subject, "body": body})


class SmtpMail:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        security: str = "starttls",
        username: str = "",
        password: str = "",
        timeout: float = 10.0,
        from_address: str,
        from_name: str = "",
        ca_file: str = "",
    ):
        if security not in SECURITY:
            raise ValueError(f"mail.smtp_security must be one of {SECURITY}, not {security!r}")
        self.host, self.port, self.security = host, int(port), security
        self.username, self.password, self.timeout = username, password, float(timeout)
        self.sender = formataddr((from_name, from_address)) if from_name else from_address
        self.from_address = from_address
        self.context = ssl.create_default_context(cafile=ca_file or None)

    def message(self, to: str, subject: str, body: str) -> EmailMessage:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.sender, to, subject
        msg["Date"] = formatdate(localtime=True)
        msg["Message-ID"] = make_msgid(domain=self.from_address.rpartition("@")[2] or None)
        msg.set_content(body, charset="utf-8", cte="base64")  # 7-bit safe on any relay
        return msg

    def send_mail(self, to: str, subject: str, body: str) -> None:
        msg = self.message(to, subject, body)
        try:
            if self.security == "ssl":
                smtp = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=self.context
                )
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with smtp:
                if self.security == "starttls":
                    smtp.starttls(context=self.context)
                if self.username:
                    smtp.login(self.username, self.password)
                smtp.send_message(msg)
        except (smtplib.SMTPException, OSError) as exc:
            code = getattr(exc, "smtp_code", None)
            detail = f"SMTP {code}" if code else type(exc).__name__
            raise SendFailed(f"mail not accepted by {self.host}:{self.port} ({detail})") from None
