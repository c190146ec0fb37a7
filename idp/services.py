"""The per-application service registry: settings and the adapters they chose.

``create_app`` builds one ``Services`` and keeps it in ``app.extensions["idp"]``; code running
inside the app reaches it through ``services()``. Tests swap in a settable clock here. The batch
commands' app (``create_app(web=False)``) has settings, clock and cipher only: no store, no
sender, no ``extras`` (captcha, codes, files, verifiers).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from .config import Settings
from .domain.crypto import FieldCipher, keyed_digest


@dataclass
class Services:
    settings: Settings
    clock: Any
    store: Any
    cipher: FieldCipher
    sender: Any
    extras: dict = field(default_factory=dict)

    def blind_index(self, value: str, purpose: str) -> str:
        return keyed_digest(self.settings["secrets.blind_index_key"], value, purpose)

    def client_secret_digest(self, secret: str) -> str:
        return keyed_digest(self.settings["secrets.client_secret_pepper"], secret, "client-secret")

    def now(self) -> int:
        return int(self.clock.now())


def services() -> Services:
    return current_app.extensions["idp"]
