"""Settings: ``config/default.toml`` < the file named by ``IDP_CONFIG`` < ``IDP_*`` variables.

Every setting is documented in ``config/default.toml``. ``Settings`` gives dotted access
(``settings["session.idle_timeout"]``) so callers never dig through nested dicts.
"""
from __future__ import annotations

import base64
import copy
import datetime as dt
import os
import tomllib
from pathlib import Path
from typing import Any, Mapping

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = ROOT / "config" / "default.toml"


class ConfigError(Exception):
    """A setting is missing, malformed or unsafe; the message says which and why."""


class Settings:
    def __init__(self, data: dict[str, Any]):
        self.data = data

    def __getitem__(self, dotted: str) -> Any:
        node: Any = self.data
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                raise KeyError(dotted)
            node = node[part]
        return node

    def get(self, dotted: str, default: Any = None) -> Any:
        try:
            return self[dotted]
        except KeyError:
            return default

    @property
    def production(self) -> bool:
        return self.data.get("env") == "production"


def _merge(base: dict, override: Mapping) -> dict:
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        elif isinstance(value, Mapping):
            base[key] = dict(value)
        else:
            base[key] = value
    return base


# Tables a later layer replaces whole instead of merging into: a keyring that kept the
# development key beside the production ones could never pass check_production.
REPLACED_TABLES = ("encryption_keys",)


def _layer(data: dict, layer: Mapping) -> None:
    for name in REPLACED_TABLES:
        if isinstance(layer.get(name), Mapping):
            data[name] = {}
    _merge(data, layer)


def _parse_env_value(raw: str) -> Any:
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _apply_env(data: dict, environ: Mapping[str, str]) -> None:
    tables = sorted((k for k, v in data.items() if isinstance(v, dict)), key=len, reverse=True)
    for name, raw in environ.items():
        if not name.startswith("IDP_") or name in ("IDP_CONFIG", "IDP_ENV_FILE"):
            continue
        key = name[4:].lower()
        value = _parse_env_value(raw)
        if key in data and not isinstance(data[key], dict):
            data[key] = value
            continue
        for table in tables:
            if key == table and isinstance(value, dict):
                data[table] = value
                break
            if key.startswith(table + "_"):
                data[table][key[len(table) + 1:]] = value
                break
        else:
            data[key] = value


def load_settings(overrides: Mapping | None = None,
                  environ: Mapping[str, str] | None = None) -> Settings:
    """Build the settings; ``overrides`` (used by tests) win over everything."""
    environ = os.environ if environ is None else environ
    with DEFAULT_FILE.open("rb") as fh:
        data = tomllib.load(fh)
    defaults = copy.deepcopy(data)
    extra = environ.get("IDP_CONFIG")
    if extra:
        path = Path(extra)
        if not path.is_file():
            raise ConfigError(f"IDP_CONFIG names {extra}, which is not a readable file")
        with path.open("rb") as fh:
            _layer(data, tomllib.load(fh))
    _apply_env(data, environ)
    if overrides:
        _layer(data, overrides)
    settings = Settings(data)
    settings.data["_defaults"] = defaults
    check_settings(settings)
    return settings


def check_settings(settings: Settings) -> None:
    """Refuse settings that cannot work, and in production those that are unsafe."""
    if settings["env"] not in ("development", "production"):
        raise ConfigError('env must be "development" or "production"')
    issuer = str(settings["issuer"]).rstrip("/")
    if not issuer.startswith(("http://", "https://")) or "?" in issuer or "#" in issuer:
        raise ConfigError("issuer must be an http(s) URL without query or fragment")
    settings.data["issuer"] = issuer
    keys = settings["encryption_keys"]
    if settings["encryption_key_current"] not in keys:
        raise ConfigError("encryption_key_current must name a key of encryption_keys")
    for kid, value in keys.items():
        try:
            raw = base64.b64decode(str(value), validate=True)
        except ValueError:
            raw = b""
        if len(raw) != 32:
            raise ConfigError(f"encryption_keys.{kid} must be the base64 of 32 random bytes")
    hops = settings.get("proxy.trusted_hops")
    if isinstance(hops, bool) or not isinstance(hops, int) or hops < 0:
        raise ConfigError("proxy.trusted_hops must be a whole number of proxies (0 or more)")
    _check_legacy(settings)
    if settings.production:
        check_production(settings)


def _check_legacy(settings: Settings) -> None:
    """The legacy-account settings (L1, L2): a cutoff with its offset, a valid default scheme."""
    try:
        cutoff = dt.datetime.fromisoformat(str(settings["legacy.cutoff"]))
    except ValueError:
        cutoff = None
    if cutoff is None or cutoff.tzinfo is None:
        raise ConfigError("legacy.cutoff must be an ISO 8601 time with its offset, "
                          "e.g. 2025-08-01T00:00:00+08:00")
    for removed in ("hash_format", "salt_position"):
        if settings.get(f"legacy.{removed}") is not None:  # silently ignoring it would mislead
            raise ConfigError(f"legacy.{removed} was replaced by legacy.password_scheme, a declared"
                              ' scheme such as "md5;salt=suffix" (docs/legacy.md "Password '
                              'schemes")')
    scheme = settings["legacy.password_scheme"]
    if not isinstance(scheme, str):
        raise ConfigError('legacy.password_scheme must be a scheme spec such as "sha1;salt=suffix"'
                          ' or "" (docs/legacy.md "Password schemes")')
    if scheme.strip():
        from .domain.errors import ValidationError
        from .domain.legacy_schemes import parse_spec
        try:
            parse_spec(scheme)
        except ValidationError as exc:
            raise ConfigError(f"legacy.password_scheme is not a valid scheme spec ({exc.message});"
                              ' see docs/legacy.md "Password schemes"') from None
    if int(settings["legacy.import_batch"]) < 1:
        raise ConfigError("legacy.import_batch must be at least 1")


def check_production(settings: Settings) -> None:
    defaults = Settings(settings.data["_defaults"])
    problems = []
    if not settings["issuer"].startswith("https://"):
        problems.append("the issuer must be an https URL")
    if str(settings["database_url"]).startswith("sqlite"):
        problems.append("database_url must not be SQLite (use PostgreSQL)")
    if str(settings["store_url"]).startswith("memory"):
        problems.append("store_url must not be the in-process store (use Redis)")
    for name in ("secret_key", "secrets.blind_index_key", "secrets.client_secret_pepper"):
        if settings[name] == defaults[name] or len(str(settings[name])) < 32:
            problems.append(f"{name} is a development secret or shorter than 32 characters")
    dev_keys = set(defaults["encryption_keys"].values())
    if any(v in dev_keys for v in settings["encryption_keys"].values()):
        problems.append("encryption_keys still contains the development key")
    if settings.get("captcha.deterministic"):
        problems.append("captcha.deterministic must be false (a fixed answer is for tests only)")
    if settings.get("realname.backend") == "local":
        problems.append('realname.backend must be "http" (the local check proves no identity)')
    if settings.get("enterprise.backend") == "local":
        problems.append('enterprise.backend must be "http" (the local check proves no '
                        'organisation)')
    for name, real in (("sms.backend", "http"), ("mail.backend", "smtp")):
        if settings.get(name) == "outbox":
            problems.append(f'{name} must not be the development outbox (use "{real}")')
    if problems:
        raise ConfigError("refusing to start in production: " + "; ".join(problems))
