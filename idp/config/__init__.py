"""Settings: ``default.toml`` < the file named by ``IDP_CONFIG`` < ``IDP_*`` variables.

Every setting is documented in ``idp/config/default.toml`` (package data). ``load_settings``
checks each layer (``loader``: unknown keys and wrong types are refused, naming the key and its
source), builds the typed ``Settings`` once and then refuses settings that cannot work
(``check_settings``). Callers read typed attributes: ``settings.session.idle_timeout``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .checks import check_production, check_settings
from .loader import ConfigError, build, check_layer, default_toml, load_layers
from .schema import IdpSettings

ROOT = Path(__file__).resolve().parents[2]

__all__ = [
    "ROOT",
    "ConfigError",
    "IdpSettings",
    "Settings",
    "check_production",
    "check_settings",
    "default_toml",
    "load_settings",
]


class Settings(IdpSettings):
    """The typed settings (``schema.IdpSettings``: one attribute per table of ``default.toml``,
    and ``production``) with a checked copy for tests that change a setting."""

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
        replaced: Settings = _replace(self, checked)
        return replaced


def _replace(node: Any, checked: Mapping[str, Any]) -> Any:
    changes = {}
    for name, value in checked.items():
        current = getattr(node, name)
        changes[name] = _replace(current, value) if dataclasses.is_dataclass(current) else value
    return dataclasses.replace(node, **changes)


def load_settings(
    overrides: Mapping | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Build the settings; ``overrides`` (used by tests) win over everything."""
    data = load_layers(overrides, environ)
    data["issuer"] = data["issuer"].rstrip("/")
    settings: Settings = build(Settings, data)
    check_settings(settings)
    return settings
