"""Choose the SMS and mail adapters from the settings (``sms.backend``, ``mail.backend``).

"outbox" keeps messages in the store for tests and ``/dev/outbox`` (refused in production by
``idp.config.check_production``); "http" and "smtp" are the real gateways.
"""

from __future__ import annotations

from ..config import ConfigError, Settings
from .mail import OutboxMail, SmtpMail
from .outbox import Outbox
from .sms import HttpSmsGateway, OutboxSms


def make_sms_sender(settings: Settings, store, clock):
    backend = settings.sms.backend
    if backend == "outbox":
        return OutboxSms(Outbox(store, clock, "sms", settings.sms.outbox_keep))
    if backend == "http":
        if not settings.sms.http_url:
            raise ConfigError('sms.http_url must be set when sms.backend = "http"')
        return HttpSmsGateway(
            settings.sms.http_url,
            settings.sms.http_api_key,
            header=settings.sms.http_api_key_header,
            prefix=settings.sms.http_api_key_prefix,
            timeout=settings.sms.http_timeout,
        )
    raise ConfigError(f'sms.backend must be "outbox" or "http", not {backend!r}')


def make_mail_sender(settings: Settings, store, clock):
    backend = settings.mail.backend
    if backend == "outbox":
        return OutboxMail(
            Outbox(store, clock, "mail", settings.mail.outbox_keep), settings.mail.from_address
        )
    if backend == "smtp":
        if not settings.mail.smtp_host:
            raise ConfigError('mail.smtp_host must be set when mail.backend = "smtp"')
        if settings.mail.smtp_security not in ("starttls", "ssl", "none"):
            raise ConfigError('mail.smtp_security must be "starttls", "ssl" or "none"')
        if not settings.mail.smtp_password.isascii():
            raise ConfigError("mail.smtp_password must be ASCII (SMTP AUTH through smtplib)")
        return SmtpMail(
            settings.mail.smtp_host,
            settings.mail.smtp_port,
            security=settings.mail.smtp_security,
            username=settings.mail.smtp_username,
            password=settings.mail.smtp_password,
            timeout=settings.mail.smtp_timeout,
            from_address=settings.mail.from_address,
            from_name=settings.mail.from_name,
            ca_file=settings.mail.smtp_ca_file,
        )
    raise ConfigError(f'mail.backend must be "outbox" or "smtp", not {backend!r}')
