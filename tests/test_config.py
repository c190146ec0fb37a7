"""Settings (idp/config/, idp/config/default.toml): layering, environment parsing and the
production guard that refuses development secrets and embedded back ends.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import os
import re
import secrets
import subprocess
import sys
import tomllib
import typing
import zipfile
from pathlib import Path

import pytest

from idp.config import ConfigError, IdpSettings, default_toml, load_settings
from idp.config.schema import FREE_FORM

DEFAULTS = tomllib.loads(default_toml())
DEV_KEY = DEFAULTS["encryption_keys"][DEFAULTS["encryption_key_current"]]
IDP = Path(sys.executable).parent / "idp"


def _key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def production(**changes) -> dict:
    """A complete production configuration, with ``changes`` applied (dotted keys)."""
    config = {
        "env": "production",
        "issuer": "https://id.example.gov.cn",
        "secret_key": secrets.token_urlsafe(48),
        "database_url": "postgresql+psycopg://idp:pw@db.invalid:5432/idp",
        "store_url": "redis://redis.invalid:6379/0",
        "encryption_key_current": "k2026a",
        "encryption_keys": {"k2026a": _key()},
        "secrets": {
            "blind_index_key": secrets.token_urlsafe(48),
            "client_secret_pepper": secrets.token_urlsafe(48),
        },
        # Real gateways: the development outboxes are refused in production (S7).
        "sms": {"backend": "http", "http_url": "https://sms.example.invalid/send"},
        "mail": {"backend": "smtp", "smtp_host": "smtp.example.invalid"},
        # The national real-name verification service (S7): the local check is refused.
        "realname": {"backend": "http", "url": "https://realname.example.invalid/verify"},
        # The national enterprise credit register (R2): the local check is refused.
        "enterprise": {"backend": "http", "url": "https://gsxt.example.invalid/verify"},
    }
    for dotted, value in changes.items():
        node = config
        *parents, last = dotted.split(".")
        for part in parents:
            node = node[part]
        node[last] = value
    return config


def attribute(settings, dotted: str):
    """The typed attribute a dotted key names (``session.idle_timeout``)."""
    return functools.reduce(getattr, dotted.split("."), settings)


def write_toml(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_defaults_come_from_default_toml():
    settings = load_settings(environ={})
    assert settings.env == "development"
    assert settings.issuer == DEFAULTS["issuer"]
    assert settings.session.idle_timeout == DEFAULTS["session"]["idle_timeout"]
    assert settings.store_url == "memory://" and settings.database_url.startswith("sqlite")


def test_precedence_default_file_env_overrides(tmp_path):
    config = write_toml(
        tmp_path / "site.toml",
        "[protocol]\ncode_ttl = 30\naccess_token_ttl = 900\n[login]\nmax_failures = 7\n",
    )
    only_file = load_settings(environ={"IDP_CONFIG": config})
    assert only_file.protocol.code_ttl == 30
    assert only_file.protocol.access_token_ttl == 900
    assert only_file.protocol.id_token_ttl == DEFAULTS["protocol"]["id_token_ttl"]

    env = {"IDP_CONFIG": config, "IDP_PROTOCOL_CODE_TTL": "20", "IDP_LOGIN_MAX_FAILURES": "9"}
    with_env = load_settings(environ=env)
    assert with_env.protocol.code_ttl == 20
    assert with_env.protocol.access_token_ttl == 900  # file still wins over the default
    assert with_env.login.max_failures == 9

    with_overrides = load_settings({"protocol": {"code_ttl": 10}}, environ=env)
    assert with_overrides.protocol.code_ttl == 10
    assert with_overrides.login.max_failures == 9
    assert with_overrides.protocol.access_token_ttl == 900


def test_env_values_are_read_as_toml():
    settings = load_settings(
        environ={
            "IDP_SESSION_IDLE_TIMEOUT": "600",
            "IDP_LOGOUT_BACKGROUND_WORKER": "false",
            "IDP_LOGOUT_WORKER_INTERVAL": "2.5",
            "IDP_PROTOCOL_SCOPES_SUPPORTED": '["openid", "profile"]',
            "IDP_ISSUER": "http://localhost:8080/",
            "IDP_STORE_PREFIX": "tm:",
        }
    )
    assert settings.session.idle_timeout == 600
    assert settings.session.absolute_timeout == DEFAULTS["session"]["absolute_timeout"]
    assert settings.logout.background_worker is False
    assert settings.logout.worker_interval == 2.5
    assert settings.protocol.scopes_supported == ("openid", "profile")
    assert settings.issuer == "http://localhost:8080"  # not TOML: a string, slash trimmed
    assert settings.store_prefix == "tm:"


def test_env_inline_table_replaces_a_whole_table():
    key = _key()
    settings = load_settings(
        environ={"IDP_ENCRYPTION_KEYS": f'{{k1 = "{key}"}}', "IDP_ENCRYPTION_KEY_CURRENT": "k1"}
    )
    assert settings.encryption_keys == {"k1": key}
    assert settings.encryption_key_current == "k1"


def test_env_nested_key_next_to_a_top_level_key_of_similar_name():
    """IDP_SECRET_KEY is the top-level secret_key; IDP_SECRETS_* go into [secrets]."""
    settings = load_settings(
        environ={"IDP_SECRET_KEY": "s" * 40, "IDP_SECRETS_BLIND_INDEX_KEY": "b" * 40}
    )
    assert settings.secret_key == "s" * 40
    assert settings.secrets.blind_index_key == "b" * 40
    assert settings.secrets.client_secret_pepper == DEFAULTS["secrets"]["client_secret_pepper"]


def test_idp_config_naming_a_missing_file_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="IDP_CONFIG"):
        load_settings(environ={"IDP_CONFIG": str(tmp_path / "nope.toml")})


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"env": "staging"}, "env must be"),
        ({"issuer": "ftp://id.example"}, "issuer must be"),
        ({"issuer": "https://id.example/?tenant=1"}, "issuer must be"),
        ({"encryption_key_current": "missing"}, "encryption_key_current"),
        ({"encryption_keys": {"dev1": "dG9vLXNob3J0"}}, "encryption_keys.dev1"),
    ],
)
def test_settings_that_cannot_work_are_refused_in_development(changes, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(changes, environ={})


def test_a_complete_production_configuration_passes():
    settings = load_settings(production(), environ={})
    assert settings.production
    assert settings.issuer == "https://id.example.gov.cn"


def test_the_production_example_file_shape_passes(tmp_path):
    """A site file (IDP_CONFIG) with its own keyring: the dev key is not merged back in."""
    config = production()
    text = "\n".join(
        [
            'env = "production"',
            'issuer = "https://id.example.gov.cn"',
            f'secret_key = "{config["secret_key"]}"',
            'database_url = "postgresql+psycopg://idp:pw@db:5432/idp"',
            'store_url = "redis://redis:6379/0"',
            'encryption_key_current = "k2026a"',
            "[encryption_keys]",
            f'k2026a = "{config["encryption_keys"]["k2026a"]}"',
            "[secrets]",
            f'blind_index_key = "{config["secrets"]["blind_index_key"]}"',
            f'client_secret_pepper = "{config["secrets"]["client_secret_pepper"]}"',
            "[sms]",
            'backend = "http"',
            'http_url = "https://sms.example.invalid/send"',
            "[mail]",
            'backend = "smtp"',
            'smtp_host = "smtp.example.invalid"',
            "[realname]",
            'backend = "http"',
            'url = "https://realname.example.invalid/verify"',
            "[enterprise]",
            'backend = "http"',
            'url = "https://gsxt.example.invalid/verify"',
            "",
        ]
    )
    settings = load_settings(environ={"IDP_CONFIG": write_toml(tmp_path / "prod.toml", text)})
    assert settings.production
    assert list(settings.encryption_keys) == ["k2026a"]


def test_production_can_come_from_the_environment_alone():
    config = production()
    environ = {
        "IDP_ENV": "production",
        "IDP_ISSUER": config["issuer"],
        "IDP_SECRET_KEY": config["secret_key"],
        "IDP_DATABASE_URL": config["database_url"],
        "IDP_STORE_URL": config["store_url"],
        "IDP_ENCRYPTION_KEY_CURRENT": "k2026a",
        "IDP_ENCRYPTION_KEYS": f'{{k2026a = "{config["encryption_keys"]["k2026a"]}"}}',
        "IDP_SECRETS_BLIND_INDEX_KEY": config["secrets"]["blind_index_key"],
        "IDP_SECRETS_CLIENT_SECRET_PEPPER": config["secrets"]["client_secret_pepper"],
        "IDP_SMS_BACKEND": "http",
        "IDP_SMS_HTTP_URL": config["sms"]["http_url"],
        "IDP_MAIL_BACKEND": "smtp",
        "IDP_MAIL_SMTP_HOST": config["mail"]["smtp_host"],
        "IDP_REALNAME_BACKEND": "http",
        "IDP_REALNAME_URL": config["realname"]["url"],
        "IDP_ENTERPRISE_BACKEND": "http",
        "IDP_ENTERPRISE_URL": config["enterprise"]["url"],
    }
    assert load_settings(environ=environ).production


@pytest.mark.parametrize(
    "changes, named",
    [
        ({"secret_key": DEFAULTS["secret_key"]}, "secret_key"),
        ({"secret_key": "short-but-not-the-default"}, "secret_key"),
        (
            {"secrets.blind_index_key": DEFAULTS["secrets"]["blind_index_key"]},
            "secrets.blind_index_key",
        ),
        (
            {"secrets.client_secret_pepper": DEFAULTS["secrets"]["client_secret_pepper"]},
            "secrets.client_secret_pepper",
        ),
        ({"database_url": "sqlite:///idp.sqlite3"}, "database_url"),
        ({"store_url": "memory://"}, "store_url"),
        ({"issuer": "http://id.example.gov.cn"}, "issuer"),
        ({"encryption_keys": {"k2026a": _key(), "dev1": DEV_KEY}}, "encryption_keys"),
        ({"realname.backend": "local"}, "realname.backend"),
        ({"enterprise.backend": "local"}, "enterprise.backend"),
    ],
)
def test_production_refuses_each_unsafe_setting_by_name(changes, named):
    with pytest.raises(ConfigError) as excinfo:
        load_settings(production(**changes), environ={})
    message = str(excinfo.value)
    assert message.startswith("refusing to start in production")
    assert named in message
    assert message.count(";") == 0  # only the one problem is reported


def test_production_refuses_the_local_enterprise_verifier():
    """R2: the local check proves no organisation; production must ask the real register."""
    with pytest.raises(ConfigError, match='enterprise.backend must be "http"'):
        load_settings(production(**{"enterprise.backend": "local"}), environ={})


def test_production_defaults_list_every_problem():
    with pytest.raises(ConfigError) as excinfo:
        load_settings(environ={"IDP_ENV": "production"})
    message = str(excinfo.value)
    for named in (
        "issuer",
        "database_url",
        "store_url",
        "secret_key",
        "secrets.blind_index_key",
        "secrets.client_secret_pepper",
        "encryption_keys",
    ):
        assert named in message


def _clean_environ(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IDP_", "FLASK_"))}
    env.update(extra)
    return env


def test_idp_command_exits_1_with_the_reason_on_an_invalid_production_config():
    result = subprocess.run(
        [str(IDP), "keys", "list"],
        env=_clean_environ(IDP_ENV="production"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "refusing to start in production" in result.stderr
    assert "database_url" in result.stderr and "secret_key" in result.stderr
    assert "Traceback" not in result.stderr


# Typed settings: every layer is checked against idp/config/schema.py before it is merged.


def _toml(value) -> str:
    """``value`` as a TOML value (the settings hold only these kinds)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"


def _documented_keys():
    for key, value in DEFAULTS.items():
        if isinstance(value, dict) and key not in FREE_FORM:
            for inner, inner_value in value.items():
                yield f"{key}.{inner}", inner_value
        else:
            yield key, value


def test_schema_and_default_toml_name_the_same_keys():
    def names(cls, prefix=""):
        for f in dataclasses.fields(cls):
            kind = typing.get_type_hints(cls)[f.name]
            if dataclasses.is_dataclass(kind):
                yield from names(kind, f"{prefix}{f.name}.")
            else:
                yield prefix + f.name

    assert set(names(IdpSettings)) == {key for key, _ in _documented_keys()}


def test_a_misspelt_variable_is_refused_naming_it():
    with pytest.raises(ConfigError) as excinfo:
        load_settings(environ={"IDP_SESION_IDLE_TIMEOUT": "5"})
    message = str(excinfo.value)
    assert "IDP_SESION_IDLE_TIMEOUT" in message and "environment variable" in message
    assert "did you mean IDP_SESSION_IDLE_TIMEOUT" in message


def test_an_unknown_key_is_refused_naming_key_and_source(tmp_path):
    config = write_toml(tmp_path / "site.toml", "[session]\nidle_timout = 600\n")
    with pytest.raises(
        ConfigError,
        match=r"session\.idle_timout is not a setting \(IDP_CONFIG "
        r"file .*site\.toml\); did you mean "
        r"session\.idle_timeout\?",
    ):
        load_settings(environ={"IDP_CONFIG": config})
    with pytest.raises(ConfigError, match=r"sessions is not a setting \(overrides\)"):
        load_settings({"sessions": {"idle_timeout": 5}}, environ={})


@pytest.mark.parametrize(
    "source, expected",
    [
        ("env", "environment variable IDP_SESSION_IDLE_TIMEOUT"),
        ("file", "IDP_CONFIG file"),
        ("overrides", "overrides"),
    ],
)
def test_a_string_where_a_whole_number_belongs_is_refused(tmp_path, source, expected):
    environ, overrides = {}, None
    if source == "env":
        environ = {"IDP_SESSION_IDLE_TIMEOUT": "half an hour"}
    elif source == "file":
        environ = {
            "IDP_CONFIG": write_toml(
                tmp_path / "site.toml", '[session]\nidle_timeout = "half an hour"\n'
            )
        }
    else:
        overrides = {"session": {"idle_timeout": "half an hour"}}
    with pytest.raises(ConfigError) as excinfo:
        load_settings(overrides, environ=environ)
    message = str(excinfo.value)
    assert message.startswith("session.idle_timeout must be a whole number, not a string")
    assert expected in message


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"logout": {"background_worker": 1}}, "logout.background_worker must be true or false"),
        ({"session": {"idle_timeout": True}}, "session.idle_timeout must be a whole number"),
        ({"session": {"idle_timeout": 60.0}}, "session.idle_timeout must be a whole number"),
        ({"captcha": {"length": None}}, "captcha.length must be a whole number, not nothing"),
        ({"secret_key": 12345}, "secret_key must be a string"),
        ({"protocol": {"scopes_supported": "openid"}}, "protocol.scopes_supported must be a list"),
        (
            {"protocol": {"scopes_supported": ["openid", 1]}},
            "protocol.scopes_supported must be a list",
        ),
        ({"session": 5}, "session must be a table"),
        ({"encryption_keys": {"k1": 5}}, "encryption_keys.k1 must be a string"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused(overrides, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(overrides, environ={})


def test_type_rules_int_for_float_and_empty_strings():
    settings = load_settings(
        {"logout": {"worker_interval": 2}, "sms": {"http_url": ""}},
        environ={"IDP_REALNAME_TIMEOUT": "3"},
    )
    assert settings.logout.worker_interval == 2.0
    assert isinstance(settings.logout.worker_interval, float)
    assert isinstance(settings.realname.timeout, float)
    assert settings.sms.http_url == ""


def test_a_string_setting_takes_the_variable_as_it_is():
    """IDP_SECRET_KEY=123... stays a string (it parses as a TOML number); a quoted TOML string
    is unquoted as before."""
    settings = load_settings(
        environ={"IDP_SECRET_KEY": "1" * 40, "IDP_AGREEMENT_VERSION": '"2026-01-01"'}
    )
    assert settings.secret_key == "1" * 40
    assert settings.agreement.version == "2026-01-01"


def test_encryption_keys_is_a_free_form_table():
    key = _key()
    settings = load_settings(
        {"encryption_keys": {"any-id_2026": key}, "encryption_key_current": "any-id_2026"},
        environ={},
    )
    assert settings.encryption_keys == {"any-id_2026": key}


def test_the_test_harness_variables_are_not_settings():
    settings = load_settings(environ={"IDP_TEST_DATABASE": "postgres", "IDP_TEST_STORE": "redis"})
    assert settings.store_url == DEFAULTS["store_url"]


@pytest.mark.parametrize("key, value", list(_documented_keys()))
def test_every_documented_key_is_accepted_from_a_file_and_a_variable(tmp_path, key, value):
    table, _, name = key.rpartition(".")
    text = f"[{table}]\n{name} = {_toml(value)}\n" if table else f"{name} = {_toml(value)}\n"
    variable = "IDP_" + key.replace(".", "_").upper()
    expected = tuple(value) if isinstance(value, list) else value
    from_file = load_settings(environ={"IDP_CONFIG": write_toml(tmp_path / "site.toml", text)})
    from_env = load_settings(
        environ={variable: _toml(value) if not isinstance(value, str) else value}
    )
    assert attribute(from_file, key) == expected
    assert attribute(from_env, key) == expected


def test_the_typed_object_is_frozen_and_replace_checks_types():
    settings = load_settings(environ={})
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.session.idle_timeout = 5  # type: ignore[misc]
    changed = settings.replace({"session.idle_timeout": 5})
    assert changed.session.idle_timeout == 5 and settings.session.idle_timeout != 5
    with pytest.raises(ConfigError, match="session.idle_timeout must be a whole number"):
        settings.replace({"session.idle_timeout": "5"})


def test_a_plain_wheel_install_finds_default_toml(tmp_path):
    """default.toml is package data: a wheel (a plain ``pip install .``) carries it, and the
    settings load from the installed package with no checkout beside it."""
    root = Path(__file__).resolve().parent.parent
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--disable-pip-version-check",
            "-w",
            str(tmp_path / "dist"),
            str(root),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        assert "idp/config/default.toml" in archive.namelist()
        archive.extractall(site)
    code = (
        f"import idp, idp.config as c; assert idp.__file__.startswith({str(site)!r}), "
        "idp.__file__; print(c.load_settings(environ={}).session.idle_timeout)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env=_clean_environ(PYTHONPATH=str(site)),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(DEFAULTS["session"]["idle_timeout"])


def test_production_code_reads_typed_attributes_not_dotted_keys():
    """Issue 10 item 6: ``settings.session.idle_timeout``, never
    ``settings["session.idle_timeout"]`` (a dotted key is a string mypy cannot check and a rename
    cannot find); ``Settings`` offers no dotted lookup, and no module of idp/ spells one."""
    assert not hasattr(load_settings(environ={}), "__getitem__")
    package = Path(__file__).resolve().parent.parent / "idp"
    tables = "|".join(
        f.name for f in dataclasses.fields(IdpSettings) if str(f.type).endswith("Settings")
    )
    # ``settings[...]``, ``settings.get(...)``, or any ``x["login.max_failures"]`` (an alias)
    dotted = re.compile(rf"settings\s*(\[|\.get\()|\[\s*f?[\"']({tables})\.")
    found = [
        f"{path.relative_to(package.parent)}:{number}: {line.strip()}"
        for path in sorted(package.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if dotted.search(line)
    ]
    assert found == []
