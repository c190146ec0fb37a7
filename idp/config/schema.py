"""The shape of the settings: one frozen dataclass per table of ``default.toml``.

``idp.config.loader`` checks every layer against these types (unknown keys and wrong types are
refused, naming the key and where it came from) and builds one ``IdpSettings``. The comments of
``idp/config/default.toml`` document each setting; ``tests/test_config.py`` pins that this file
and that one name the same keys.

Type rules: ``bool`` is not an ``int``; an ``int`` is taken where a ``float`` belongs (``5`` for
``5.0``); an empty string is a string like any other; TOML has no null, and ``None`` (overrides)
is refused. Lists become tuples. ``encryption_keys`` is the one free-form table: any key id,
each value a string (``FREE_FORM``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class SecretsSettings:
    blind_index_key: str
    client_secret_pepper: str


@dataclass(frozen=True)
class ProxySettings:
    trusted_hops: int


@dataclass(frozen=True)
class SessionSettings:
    cookie_name: str
    idle_timeout: int
    absolute_timeout: int


@dataclass(frozen=True)
class ProtocolSettings:
    interaction_ttl: int
    parked_per_ip_minute: int
    code_ttl: int
    access_token_ttl: int
    id_token_ttl: int
    refresh_token_ttl: int
    id_token_default_alg: str
    leeway: int
    scopes_supported: tuple[str, ...]
    retry_grace: int
    keys_reload_interval: int
    jwks_cache_max_age: int


@dataclass(frozen=True)
class LogoutSettings:
    backchannel_timeout: int
    backchannel_max_attempts: int
    backchannel_retry_delay: int
    background_worker: bool
    worker_interval: float
    job_lease: int


@dataclass(frozen=True)
class LoginSettings:
    max_failures: int
    lock_seconds: int
    lock_max_seconds: int
    ip_factor: int
    captcha_after_failures: int
    code_after_failures: int


@dataclass(frozen=True)
class PasswordsSettings:
    argon2_time_cost: int
    argon2_memory_cost: int
    argon2_parallelism: int


@dataclass(frozen=True)
class DivisionsSettings:
    cache_max_age: int


@dataclass(frozen=True)
class CaptchaSettings:
    ttl: int
    length: int
    deterministic: bool
    deterministic_answer: str


@dataclass(frozen=True)
class RealnameSettings:
    backend: str
    known_identities_file: str
    url: str
    api_key: str
    api_key_header: str
    timeout: float


@dataclass(frozen=True)
class EnterpriseSettings:
    backend: str
    known_enterprises_file: str
    local_outage: bool
    url: str
    api_key: str
    api_key_header: str
    timeout: float


@dataclass(frozen=True)
class CodesSettings:
    ttl: int
    max_attempts: int
    resend_interval: int
    per_destination_hour: int
    per_destination_day: int
    per_ip_hour: int
    per_ip_day: int
    sms_signature: str
    mail_subject: str


@dataclass(frozen=True)
class HandlersSettings:
    per_ip_hour: int
    per_organisation_hour: int
    per_organisation_day: int
    per_target_day: int


@dataclass(frozen=True)
class SmsSettings:
    backend: str
    outbox_keep: int
    http_url: str
    http_api_key: str
    http_api_key_header: str
    http_api_key_prefix: str
    http_timeout: float


@dataclass(frozen=True)
class MailSettings:
    backend: str
    outbox_keep: int
    from_address: str
    from_name: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    smtp_username: str
    smtp_password: str
    smtp_timeout: float
    smtp_ca_file: str


@dataclass(frozen=True)
class DatabaseSettings:
    connect_timeout: int
    statement_timeout: int
    pool_timeout: int
    keepalives_idle: int
    tcp_user_timeout: int


@dataclass(frozen=True)
class FilesSettings:
    backend: str
    upload_dir: str
    max_size: int


@dataclass(frozen=True)
class AgreementSettings:
    version: str


@dataclass(frozen=True)
class AccountSettings:
    reauth_window: int


@dataclass(frozen=True)
class LegacySettings:
    cutoff: str
    password_scheme: str
    import_batch: int
    supplement_ttl: int


@dataclass(frozen=True)
class AppealsSettings:
    status_max_failures: int
    status_window_seconds: int


@dataclass(frozen=True)
class RetentionSettings:
    purge_interval: int
    keep: int
    batch: int


@dataclass(frozen=True)
class AuditSettings:
    keep_days: int
    seal_batch: int
    seal_grace: int


@dataclass(frozen=True)
class AdminSettings:
    cookie_name: str
    idle_timeout: int
    absolute_timeout: int
    login_ttl: int
    reauth_window: int
    max_failures: int
    lock_seconds: int
    lock_max_seconds: int
    ip_factor: int


@dataclass(frozen=True)
class IdpSettings:
    """Every setting, typed; ``Settings`` (idp.config) adds the checked ``replace`` of tests."""

    env: str
    issuer: str
    secret_key: str
    database_url: str
    database: DatabaseSettings
    store_url: str
    store_prefix: str
    encryption_key_current: str
    encryption_keys: Mapping[str, str]
    secrets: SecretsSettings
    proxy: ProxySettings
    session: SessionSettings
    protocol: ProtocolSettings
    logout: LogoutSettings
    login: LoginSettings
    passwords: PasswordsSettings
    divisions: DivisionsSettings
    captcha: CaptchaSettings
    realname: RealnameSettings
    enterprise: EnterpriseSettings
    codes: CodesSettings
    handlers: HandlersSettings
    sms: SmsSettings
    mail: MailSettings
    files: FilesSettings
    agreement: AgreementSettings
    account: AccountSettings
    legacy: LegacySettings
    appeals: AppealsSettings
    retention: RetentionSettings
    audit: AuditSettings
    admin: AdminSettings

    @property
    def production(self) -> bool:
        return self.env == "production"


# Tables whose keys are free (any key id); their values must still have the declared type.
FREE_FORM = frozenset({"encryption_keys"})
