"""What tells one sample subsystem from another: its settings, and the configuration they give.

A ``Subsystem`` is declared once, in its own package's ``subsystem.toml`` (the fields below);
everything else — the sign-in, the pages, the back-channel receiver — is ``sample_rp``'s.

Configuration of a running sample: ``create_app(subsystem, config)``; a key missing from
``config`` comes from the environment, ``<env>ISSUER``, ``<env>CLIENT_ID``, ``<env>CLIENT_SECRET``,
``<env>BASE_URL`` and ``<env>SECRET_KEY`` (``<env>`` is the subsystem's prefix, e.g. ``TM_QUERY_``),
then from the subsystem's defaults, which match what ``idp demo seed`` registers. The redirect URI
is ``base_url/callback``, the post-logout redirect ``base_url/`` and the back-channel logout URI
``base_url/backchannel-logout``; the client must be registered with exactly those.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass
from importlib import resources

ISSUER = "http://127.0.0.1:5000"


@dataclass(frozen=True)
class Subsystem:
    name: str  # 商标网上申请: the title of every page and of the links from the others
    client_id: str  # as registered by ``idp demo seed``; its secret there is dev-secret-<id>
    port: int  # on 127.0.0.1, the quick start's port
    env: str  # prefix of its environment variables
    batch: str  # the rollout batch (domain.md, R1), shown in the header
    colour: str  # of the header and the buttons: white text on it must stay readable
    purpose: str  # one line: what the subsystem is for

    @classmethod
    def of(cls, package: str) -> Subsystem:
        """The subsystem declared by ``package``'s ``subsystem.toml``."""
        text = resources.files(package).joinpath("subsystem.toml").read_text(encoding="utf-8")
        return cls(**tomllib.loads(text))

    def create_app(self, config: dict | None = None):
        """Its Flask app (``sample_rp.app.create_app``)."""
        from .app import create_app

        return create_app(self, config)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def cookie(self) -> str:
        """Its own session cookie name: cookies ignore ports, and the samples share a host."""
        return self.client_id.replace("-", "_") + "_session"


def load_config(subsystem: Subsystem, config: dict | None) -> dict:
    """The sample's configuration (see the module's docstring); ``peers`` are the other samples
    as ``(name, url)`` pairs, each at its own ``<env>BASE_URL`` or its default."""
    defaults = {
        "issuer": ISSUER,
        "client_id": subsystem.client_id,
        "client_secret": f"dev-secret-{subsystem.client_id}",
        "base_url": subsystem.base_url,
        "secret_key": "",
    }
    conf = {key: os.environ.get(subsystem.env + key.upper(), d) for key, d in defaults.items()}
    conf.update(config or {})
    conf["issuer"], conf["base_url"] = conf["issuer"].rstrip("/"), conf["base_url"].rstrip("/")
    # Sessions are per process anyway, so a random key per process is a safe default.
    conf["secret_key"] = conf["secret_key"] or secrets.token_hex(32)
    if "peers" not in conf:
        conf["peers"] = [
            (other.name, os.environ.get(other.env + "BASE_URL", other.base_url).rstrip("/"))
            for other in _catalogue()
            if other != subsystem
        ]
    return conf


def _catalogue() -> list[Subsystem]:
    from .. import subsystems  # the list of samples lives with them, in ``clients``

    return subsystems()
