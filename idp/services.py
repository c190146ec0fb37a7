"""The per-application service registry: settings and the adapters they chose.

``create_app`` builds one ``Services`` and keeps it in ``app.extensions["idp"]``; code running
inside the app reaches it through ``services()``. Each adapter is a typed field, typed with the
port it implements (``idp.domain.ports``). Tests swap in a settable clock here.

The batch commands' app (``create_app(web=False)``) has settings, clock and cipher only: the
web-only fields (store, sender, sessions, captcha, verifiers, senders, codes, files) stay None,
and reading one there raises ``NotWired`` naming it instead of failing later on ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from flask import current_app

from .config import Settings
from .domain import purposes
from .domain.crypto import FieldCipher, keyed_digest
from .domain.ports import (
    Captcha,
    Clock,
    Codes,
    EnterpriseVerifier,
    FileStore,
    MailSender,
    RealNameVerifier,
    Sender,
    SmsSender,
    Store,
)

if TYPE_CHECKING:
    from .adapters.sessions import SessionStore  # noqa: F401 (named as a string below)

T = TypeVar("T")


class NotWired(RuntimeError):
    """A web-only service was asked for in the batch app (``create_app(web=False)``)."""


class WebOnly(Generic[T]):
    """A field the web app wires and the batch app leaves None; reading it unwired says so."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type) -> WebOnly[T]: ...
    @overload
    def __get__(self, obj: Services, owner: type) -> T: ...

    def __get__(self, obj: Services | None, owner: type) -> WebOnly[T] | T:
        if obj is None:
            return self
        value = obj.__dict__.get(self.name)
        if value is None:
            raise NotWired(
                f"services().{self.name} is wired only in the web app; the batch "
                "commands' app (create_app(web=False)) has none"
            )
        return value

    def __set__(self, obj: Services, value: T | None) -> None:
        obj.__dict__[self.name] = value


@dataclass(eq=False)
class Services:
    settings: Settings
    clock: Clock
    cipher: FieldCipher
    # per-app cache of the signing keys (idp.protocol.keys), made on first use
    keys_cache: Any = None

    store = WebOnly[Store]()
    sender = WebOnly[Sender]()  # back-channel logout POSTs
    sessions = WebOnly["SessionStore"]()
    captcha = WebOnly[Captcha]()
    realname = WebOnly[RealNameVerifier]()
    enterprise = WebOnly[EnterpriseVerifier]()
    sms = WebOnly[SmsSender]()
    mail = WebOnly[MailSender]()
    codes = WebOnly[Codes]()
    files = WebOnly[FileStore]()

    def wired(self, name: str) -> Any:
        """The web-only service ``name``, or None where it is not wired (batch app)."""
        return self.__dict__.get(name)

    def blind_index(self, value: str, purpose: str) -> str:
        return keyed_digest(self.settings.secrets.blind_index_key, value, purpose)

    def client_secret_digest(self, secret: str) -> str:
        return keyed_digest(
            self.settings.secrets.client_secret_pepper, secret, purposes.CLIENT_SECRET
        )

    def now(self) -> int:
        return int(self.clock.now())


def services() -> Services:
    return current_app.extensions["idp"]
