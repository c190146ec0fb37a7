"""One loader: ``default.toml`` < the ``IDP_CONFIG`` file < ``IDP_*`` variables < overrides.

Each layer is checked on its own against ``schema.IdpSettings`` before it is merged, so an
unknown key or a wrong type is refused with the key's name and the layer it came from (a
misspelt ``IDP_SESION_IDLE_TIMEOUT`` used to be accepted and ignored). The merged result is
built once into frozen dataclasses; nothing reads the raw dicts afterwards.
"""

from __future__ import annotations

import copy
import difflib
import functools
import os
import tomllib
from collections import abc
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, get_args, get_origin, get_type_hints

from . import schema


class ConfigError(Exception):
    """A setting is missing, malformed or unsafe; the message says which and why."""


# Variables with the IDP_ prefix that are not settings: the loader's own, and the test harness's.
NOT_SETTINGS = ("IDP_CONFIG", "IDP_ENV_FILE")
NOT_SETTINGS_PREFIX = "IDP_TEST_"

# Keys that were settings once: naming them gets the way forward, not just "unknown".
REMOVED = {
    f"legacy.{name}": f"legacy.{name} was replaced by legacy.password_scheme, a declared scheme "
    'such as "md5;salt=suffix" (docs/legacy.md "Password schemes")'
    for name in ("hash_format", "salt_position")
}


def default_toml() -> str:
    """The text of ``idp/config/default.toml``, read as package data (works from a wheel)."""
    return resources.files(__package__).joinpath("default.toml").read_text(encoding="utf-8")


def _is_map(kind: Any) -> bool:
    return get_origin(kind) is abc.Mapping


def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls, vars(schema))


def _describe(value: Any) -> str:
    kind = {
        type(None): "nothing",
        bool: "a boolean",
        int: "a whole number",
        float: "a number",
        str: "a string",
        list: "a list",
        tuple: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)
    return f"{kind} ({value!r})" if not isinstance(value, (dict, list)) else kind


_EXPECTED = {bool: "true or false", int: "a whole number", float: "a number", str: "a string"}


def _value(value: Any, kind: Any, key: str, source: str) -> Any:
    """``value`` as ``kind`` (see the type rules in ``schema``), or ConfigError naming key and
    source."""
    ok = False
    if kind is bool:
        ok = isinstance(value, bool)
    elif kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif kind is str:
        ok = isinstance(value, str)
    elif get_origin(kind) is tuple:
        ok = isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)
        if ok:
            return tuple(value)
        raise ConfigError(f"{key} must be a list of strings, not {_describe(value)} ({source})")
    if not ok:
        raise ConfigError(f"{key} must be {_EXPECTED[kind]}, not {_describe(value)} ({source})")
    return value


def _unknown(key: str, known: list[str], source: str, env_names: bool = False) -> ConfigError:
    if key in REMOVED:
        return ConfigError(f"{REMOVED[key]} ({source})")
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"; did you mean {close[0]}?" if close else ""
    what = "names no setting" if env_names else "is not a setting"
    return ConfigError(f"{key} {what} ({source}){hint}")


def check_layer(
    layer: Mapping, source: str, cls: type = schema.IdpSettings, prefix: str = ""
) -> dict:
    """``layer`` with its values typed; ConfigError for an unknown key or a wrong type."""
    hints = _hints(cls)
    checked: dict[str, Any] = {}
    for name, value in layer.items():
        key = prefix + str(name)
        if name not in hints:
            raise _unknown(key, [prefix + k for k in hints], source)
        kind = hints[name]
        if is_dataclass(kind) or _is_map(kind):
            if not isinstance(value, Mapping):
                raise ConfigError(f"{key} must be a table, not {_describe(value)} ({source})")
            if is_dataclass(kind):
                checked[name] = check_layer(value, source, kind, key + ".")
            else:
                item = get_args(kind)[1]
                checked[name] = {k: _value(v, item, f"{key}.{k}", source) for k, v in value.items()}
        else:
            checked[name] = _value(value, kind, key, source)
    return checked


def _env_keys() -> dict[str, tuple[str, ...]]:
    """``IDP_SESSION_IDLE_TIMEOUT`` -> ("session", "idle_timeout"); a table by itself too."""
    names: dict[str, tuple[str, ...]] = {}
    for top, kind in _hints(schema.IdpSettings).items():
        names["IDP_" + top.upper()] = (top,)
        if is_dataclass(kind):
            for inner in _hints(kind):
                names[f"IDP_{top}_{inner}".upper()] = (top, inner)
    return names


def _target_type(path: tuple[str, ...]) -> Any:
    kind: Any = schema.IdpSettings
    for part in path:
        kind = _hints(kind)[part]
    return kind


def _env_value(raw: str, kind: Any) -> Any:
    """A TOML value when ``raw`` parses as one (numbers, booleans, lists, inline tables); a
    setting that is a string takes ``raw`` as it is unless it is a quoted TOML string, so
    ``IDP_SECRET_KEY=12345...`` stays a string."""
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw
    if kind is str and not isinstance(value, str):
        return raw
    return value


def env_layers(environ: Mapping[str, str]) -> list[tuple[dict, str]]:
    """One layer per ``IDP_*`` variable, each with its name as the source."""
    names = _env_keys()
    layers = []
    for name in sorted(environ):
        if (
            not name.startswith("IDP_")
            or name in NOT_SETTINGS
            or name.startswith(NOT_SETTINGS_PREFIX)
        ):
            continue
        if name not in names:
            raise _unknown(name, list(names), "environment variable", env_names=True)
        path = names[name]
        value: Any = _env_value(environ[name], _target_type(path))
        for part in reversed(path):
            value = {part: value}
        layers.append((value, f"environment variable {name}"))
    return layers


def merge(base: dict, layer: Mapping, top: bool = True) -> dict:
    """Merge ``layer`` into ``base``; a free-form table (``schema.FREE_FORM``) is replaced
    whole, so a site keyring never keeps the development key beside its own."""
    for key, value in layer.items():
        if top and key in schema.FREE_FORM:
            base[key] = dict(value)
        elif isinstance(value, Mapping) and isinstance(base.get(key), dict):
            merge(base[key], value, top=False)
        else:
            base[key] = dict(value) if isinstance(value, Mapping) else value
    return base


def build(cls: type, data: Mapping) -> Any:
    """The frozen dataclass ``cls`` from checked, complete ``data``."""
    hints = _hints(cls)
    missing = [name for name in hints if name not in data]
    if missing:
        raise ConfigError(f"default.toml lacks {', '.join(missing)}")
    values = {}
    for f in fields(cls):
        kind, value = hints[f.name], data[f.name]
        if is_dataclass(kind):
            value = build(kind, value)
        elif _is_map(kind):
            value = MappingProxyType(dict(value))
        values[f.name] = value
    return cls(**values)


@functools.cache
def defaults() -> schema.IdpSettings:
    """The settings of ``default.toml`` alone: what the production guard compares against."""
    checked = check_layer(tomllib.loads(default_toml()), "idp/config/default.toml")
    built: schema.IdpSettings = build(schema.IdpSettings, checked)
    return built


def load_layers(overrides: Mapping | None, environ: Mapping[str, str] | None) -> dict:
    """The checked, merged settings (a plain dict, before building)."""
    environ = os.environ if environ is None else environ
    defaults = check_layer(tomllib.loads(default_toml()), "idp/config/default.toml")
    data = copy.deepcopy(defaults)
    layers: list[tuple[Mapping, str]] = []
    extra = environ.get("IDP_CONFIG")
    if extra:
        path = Path(extra)
        if not path.is_file():
            raise ConfigError(f"IDP_CONFIG names {extra}, which is not a readable file")
        try:
            with path.open("rb") as fh:
                layers.append((tomllib.load(fh), f"IDP_CONFIG file {extra}"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"IDP_CONFIG file {extra} is not valid TOML: {exc}") from None
    layers.extend(env_layers(environ))
    if overrides:
        layers.append((overrides, "overrides"))
    for layer, source in layers:
        merge(data, check_layer(layer, source))
    return data
