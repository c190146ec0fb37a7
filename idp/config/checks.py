"""Checks the typed settings cannot express: values that cannot work, and in production those
that are unsafe (development secrets, embedded back ends)."""

from __future__ import annotations

import base64
import datetime as dt
from typing import TYPE_CHECKING

from ..messages import describe
from . import loader
from .loader import ConfigError

if TYPE_CHECKING:
    from .schema import IdpSettings as Settings


AUDIT_MIN_DAYS = 180  # 等保 (GB/T 22239): audit records kept at least six months


def check_settings(settings: Settings) -> None:
    """Refuse settings that cannot work, and in production those that are unsafe."""
    if settings.env not in ("development", "production"):
        raise ConfigError('env must be "development" or "production"')
    issuer = settings.issuer
    if not issuer.startswith(("http://", "https://")) or "?" in issuer or "#" in issuer:
        raise ConfigError("issuer must be an http(s) URL without query or fragment")
    keys = settings.encryption_keys
    if settings.encryption_key_current not in keys:
        raise ConfigError("encryption_key_current must name a key of encryption_keys")
    for kid, value in keys.items():
        try:
            raw = base64.b64decode(str(value), validate=True)
        except ValueError:
            raw = b""
        if len(raw) != 32:
            raise ConfigError(f"encryption_keys.{kid} must be the base64 of 32 random bytes")
    if settings.proxy.trusted_hops < 0:
        raise ConfigError("proxy.trusted_hops must be a whole number of proxies (0 or more)")
    _check_legacy(settings)
    if settings.audit.keep_days < AUDIT_MIN_DAYS:
        raise ConfigError(
            f"audit.keep_days must be at least {AUDIT_MIN_DAYS} (等保: audit records are kept"
            " at least 180 days)"
        )
    if settings.audit.seal_batch < 1:
        raise ConfigError("audit.seal_batch must be at least 1")
    if settings.production:
        check_production(settings)


def _check_legacy(settings: Settings) -> None:
    """The legacy-account settings (L1, L2): a cutoff with its offset, a valid default scheme."""
    try:
        cutoff = dt.datetime.fromisoformat(settings.legacy.cutoff)
    except ValueError:
        cutoff = None
    if cutoff is None or cutoff.tzinfo is None:
        raise ConfigError(
            "legacy.cutoff must be an ISO 8601 time with its offset, e.g. 2025-08-01T00:00:00+08:00"
        )
    scheme = settings.legacy.password_scheme
    if scheme.strip():
        from ..domain.errors import ValidationError
        from ..domain.legacy.schemes import parse_spec

        try:
            parse_spec(scheme)
        except ValidationError as exc:
            raise ConfigError(
                f"legacy.password_scheme is not a valid scheme spec ({describe(exc)});"
                ' see docs/legacy.md "Password schemes"'
            ) from None
    if settings.legacy.import_batch < 1:
        raise ConfigError("legacy.import_batch must be at least 1")


def check_production(settings: Settings) -> None:
    """Refuse development secrets and embedded back ends, listing every problem at once."""
    defaults = loader.defaults()
    problems = []
    if not settings.issuer.startswith("https://"):
        problems.append("the issuer must be an https URL")
    if settings.database_url.startswith("sqlite"):
        problems.append("database_url must not be SQLite (use PostgreSQL)")
    if settings.store_url.startswith("memory"):
        problems.append("store_url must not be the in-process store (use Redis)")
    secrets = (
        ("secret_key", settings.secret_key, defaults.secret_key),
        (
            "secrets.blind_index_key",
            settings.secrets.blind_index_key,
            defaults.secrets.blind_index_key,
        ),
        (
            "secrets.client_secret_pepper",
            settings.secrets.client_secret_pepper,
            defaults.secrets.client_secret_pepper,
        ),
    )
    for name, value, development in secrets:
        if value == development or len(value) < 32:
            problems.append(f"{name} is a development secret or shorter than 32 characters")
    dev_keys = set(defaults.encryption_keys.values())
    if any(v in dev_keys for v in settings.encryption_keys.values()):
        problems.append("encryption_keys still contains the development key")
    if settings.captcha.deterministic:
        problems.append("captcha.deterministic must be false (a fixed answer is for tests only)")
    if settings.realname.backend == "local":
        problems.append('realname.backend must be "http" (the local check proves no identity)')
    if settings.enterprise.backend == "local":
        problems.append(
            'enterprise.backend must be "http" (the local check proves no organisation)'
        )
    for name, backend, real in (
        ("sms.backend", settings.sms.backend, "http"),
        ("mail.backend", settings.mail.backend, "smtp"),
    ):
        if backend == "outbox":
            problems.append(f'{name} must not be the development outbox (use "{real}")')
    if problems:
        raise ConfigError("refusing to start in production: " + "; ".join(problems))
