"""Settings: ``default.toml`` < the file named by ``IDP_CONFIG`` < ``IDP_*`` variables.

Every setting is documented in ``idp/config/default.toml`` (package data). ``load_settings``
checks each layer (``loader``: unknown keys and wrong types are refused, naming the key and its
source), builds the typed ``schema.IdpSettings`` once and then refuses settings that cannot work
(``check_settings``). ``Settings`` wraps the typed object: ``settings.typed.session.idle_timeout``
or the dotted ``settings["session.idle_timeout"]`` most callers still use.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Mapping

from .checks import check_production, check_settings
from .loader import ConfigError, build, check_layer, default_toml, load_layers
from .schema import IdpSettings

ROOT = Path(__file__).resolve().parents[2]

__all__ = ["ROOT", "ConfigError", "IdpSettings", "Settings", "check_production", "check_settings",
           "default_toml", "load_settings"]


class Settings:
    """The typed settings (``typed``) with dotted access for callers not yet migrated."""

    def __init__(self, typed: IdpSettings, defaults: IdpSettings):
        self.typed = typed
        self.defaults = defaults

    def __getitem__(self, dotted: str) -> Any:
        node: Any = self.typed
        for part in dotted.split("."):
            if not dataclasses.is_dataclass(node) or part not in _field_names(node):
                raise KeyError(dotted)
            node = getattr(node, part)
        return node

    def get(self, dotted: str, default: Any = None) -> Any:
        try:
            return self[dotted]
        except KeyError:
            return default

    @property
    def production(self) -> bool:
        return self.typed.env == "production"

    def replace(self, changes: Mapping[str, Any]) -> Settings:
        """A copy with ``changes`` (dotted keys) checked like overrides; for tests that change
        a setting of a running app (``monkeypatch.setattr(services(), "settings", ...)``)."""
        layer: dict[str, Any] = {}
        for dotted, value in changes.items():
            *parents, last = dotted.split(".")
            node = layer
            for part in parents:
                node = node.setdefault(part, {})
            node[last] = value
        checked = check_layer(layer, "Settings.replace")
        return Settings(_replace(self.typed, checked), self.defaults)


def _field_names(node: Any) -> set[str]:
    return {f.name for f in dataclasses.fields(node)}


def _replace(node: Any, checked: Mapping[str, Any]) -> Any:
    changes = {}
    for name, value in checked.items():
        current = getattr(node, name)
        changes[name] = _replace(current, value) if dataclasses.is_dataclass(current) else value
    return dataclasses.replace(node, **changes)


def load_settings(overrides: Mapping | None = None,
                  environ: Mapping[str, str] | None = None) -> Settings:
    """Build the settings; ``overrides`` (used by tests) win over everything."""
    defaults, data = load_layers(overrides, environ)
    data["issuer"] = data["issuer"].rstrip("/")
    settings = Settings(build(IdpSettings, data), build(IdpSettings, defaults))
    check_settings(settings)
    return settings
