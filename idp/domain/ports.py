"""Small interfaces the domain needs from the outside world; adapters implement them."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from .errors import DomainError


class Clock(Protocol):
    """Current time as Unix seconds. Tests use a settable clock instead of sleeping."""

    def now(self) -> float: ...


class Store(Protocol):
    """An ephemeral key-value store with expiry (Redis in production).

    Values are strings. TTLs are for garbage collection; anything whose *validity* matters is
    also checked against the ``Clock`` by its owner, so a settable clock governs behaviour.
    """

    def get(self, key: str) -> str | None: ...
    def set(self, key: str, value: str, ttl: int | None = None, nx: bool = False) -> bool: ...
    def pop(self, key: str) -> str | None: ...
    def delete(self, *keys: str) -> int: ...
    def incr(self, key: str, ttl: int) -> int: ...
    def sadd(self, key: str, member: str, ttl: int | None = None) -> None: ...
    def smembers(self, key: str) -> builtins.set[str]: ...  # ``set``: the method above
    def zadd(self, key: str, member: str, score: float) -> None: ...
    def zdue(self, key: str, max_score: float, limit: int) -> list[str]: ...
    def zrem(self, key: str, member: str) -> bool: ...
    # the member's score moves to ``until`` only if it is still due (<= ``now``), atomically:
    # True for exactly one of the workers taking a job (a lease, issue 11)
    def zlease(self, key: str, member: str, now: float, until: float) -> bool: ...
    def srem(self, key: str, *members: str) -> int: ...
    def scan(self, prefix: str) -> Iterator[str]: ...  # keys that start with ``prefix``
    def lpush_capped(self, key: str, value: str, keep: int) -> None: ...
    def lrange(self, key: str, limit: int) -> list[str]: ...
    def ping(self) -> None: ...
    def clear_prefix(self) -> None: ...


class Sender(Protocol):
    """Delivers an HTTP POST (back-channel logout); raises on failure."""

    def post_form(self, url: str, data: dict[str, str], timeout: float) -> int: ...


class Captcha(Protocol):
    """A captcha for the login page (login rules G): a challenge is shown as a picture, or
    read aloud for who cannot see it (``audio``), answered once (right or wrong, it is gone
    after one check) and expires after a short TTL. Binding a challenge to one browser is the
    web layer's job (it keeps the id in the session).
    """

    def issue(self, audio: bool = False) -> str: ...
    def image(self, challenge_id: str) -> bytes | None: ...
    def audio(self, challenge_id: str) -> bytes | None: ...
    def check(self, challenge_id: str, answer: str) -> bool: ...
    def discard(self, challenge_id: str) -> None: ...


@dataclass(frozen=True)
class VerificationResult:
    """The real-name verifier's answer: ``ok`` when name and document match; ``reason`` is the
    service's explanation of a mismatch (shown to nobody but logs and the user's own page), or
    the refusal of a local check (an error with its code: its words are the web layer's)."""

    ok: bool
    reason: str | DomainError | None = None


class RealNameUnavailable(DomainError):
    """The verifier could not answer (down, timed out, nonsense). Callers fail closed: no
    account is created or completed without a verification (S7)."""

    def __init__(self, detail: str = ""):
        super().__init__("realname.unavailable")
        self.detail = detail


class RealNameVerifier(Protocol):
    """Real-name verification (实名认证, rule S7) of a natural person's name and document.

    A mismatch is an answer, not an error: ``VerificationResult(ok=False, reason=...)``.
    ``RealNameUnavailable`` is raised only when the service cannot answer at all.
    """

    def verify(self, name: str, id_type: str, id_number: str) -> VerificationResult: ...


class EnterpriseUnavailable(DomainError):
    """The enterprise credit register could not answer (down, timed out, nonsense). Callers fail
    closed: no organisation with a USCC is created or completed without the check."""

    def __init__(self, detail: str = ""):
        super().__init__("enterprise.unavailable")
        self.detail = detail


@dataclass(frozen=True)
class EnterpriseRecord:
    """What an organisation says of itself (S4, S6): its USCC, its name and its legal
    representative's name and document, as typed and validated."""

    uscc: str
    name: str
    rep_name: str
    rep_id_type: str
    rep_id_number: str


class EnterpriseVerifier(Protocol):
    """Enterprise verification (企业信息核验) against the national enterprise credit register:
    the USCC exists, and the organisation's name and legal representative are the register's.

    A mismatch is an answer, not an error: ``VerificationResult(ok=False, reason=...)``.
    ``EnterpriseUnavailable`` is raised only when the register cannot answer at all.
    """

    def verify(self, record: EnterpriseRecord) -> VerificationResult: ...


class SendFailed(Exception):
    """An SMS or mail could not be handed to the gateway (refused, unreachable, timed out).
    The message is for logs: it names the failure, never the recipient or the text."""


class SmsSender(Protocol):
    """Sends one text message to a mainland mobile number (S7 codes, P7 decisions).

    ``text`` is the full message; ``template`` and ``params`` name the same message for
    gateways that send registered templates. Raises ``SendFailed`` when it was not accepted.
    """

    def send_sms(self, phone: str, text: str, template: str, params: dict[str, str]) -> None: ...


class Dispatch(Protocol):
    """Runs a delivery: at once (the outbox) or on a background thread (a real gateway), so a
    page whose answer must not depend on whether a message went out never waits for one."""

    def __call__(self, job: Callable[[], None]) -> None: ...


class MailSender(Protocol):
    """Sends one plain-text UTF-8 mail; raises ``SendFailed`` when it was not accepted."""

    def send_mail(self, to: str, subject: str, body: str) -> None: ...


class Codes(Protocol):
    """One-time verification codes for a mobile number or an email address (S7), bound to the
    destination, the purpose and the flow they were sent for (``domain.verification.codes``).

    ``send`` refuses (raises a ``DomainError``) past the send limits; ``verify`` is True once for
    the right code and raises for anything else.
    """

    def send(
        self,
        channel: str,
        destination: str,
        purpose: str,
        flow_id: str,
        ip: str,
        *,
        template: str = "verification_code",
        params: dict[str, str] | None = None,
        later: bool = False,
    ) -> None: ...

    def verify(
        self, channel: str, destination: str, purpose: str, flow_id: str, code: str
    ) -> bool: ...


class FileStore(Protocol):
    """Keeps uploaded files (S5 PDFs) outside the web root under names it generates.

    ``save`` returns the generated name; ``read`` and ``delete`` take only such names, so a
    user-chosen file name never reaches the file system. Nothing here serves files inline.
    """

    def save(self, data: bytes) -> str: ...

    def read(self, name: str) -> bytes: ...

    def delete(self, name: str) -> None: ...


__all__: Sequence[str] = [
    "Clock",
    "Store",
    "Sender",
    "Captcha",
    "VerificationResult",
    "RealNameUnavailable",
    "RealNameVerifier",
    "EnterpriseUnavailable",
    "EnterpriseRecord",
    "EnterpriseVerifier",
    "SendFailed",
    "SmsSender",
    "MailSender",
    "Dispatch",
    "Codes",
    "FileStore",
]
