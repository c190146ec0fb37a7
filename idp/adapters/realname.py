"""Real-name verification (实名认证, rule S7) adapters, chosen by ``realname.backend``.

- ``local``: the document passes its format and check-digit validation (D1) and, when
  ``realname.known_identities_file`` names a CSV of ``name,id_type,id_number``, the triple must
  be listed there. For development and test environments, which cannot reach the real service.
- ``http``: the national verification service. A mismatch is an answer; a service that is down,
  slow, refuses us or talks nonsense raises ``RealNameUnavailable`` so callers fail closed.
Logs name the document only masked: ID numbers are sensitive personal information (D5).
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path

from ..config import ROOT, ConfigError, Settings
from ..domain.errors import ValidationError
from ..domain.identity import documents
from ..domain.ports import RealNameUnavailable, VerificationResult
from .verification_service import JsonVerificationService

log = logging.getLogger(__name__)
MISMATCH = "姓名与证件号码不一致，未通过实名认证。"


def mask(number: str) -> str:
    """Enough of a document number to tell two apart in a log, never the whole of it."""
    keep = 2 if len(number) <= 10 else 4
    return number[:keep] + "*" * max(len(number) - 2 * keep, 2) + number[-keep:]


def _key(name: str, id_type: str, id_number: str) -> tuple[str, str, str]:
    return (name or "").strip(), (id_type or "").strip(), documents.normalize(id_number)


def read_known_identities(path: Path) -> set[tuple[str, str, str]]:
    """Rows ``name,id_type,id_number``; a header row and lines starting with ``#`` are skipped."""
    known = set()
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.reader(fh):
            if not row or row[0].lstrip().startswith("#") or row[:1] == ["name"]:
                continue
            if len(row) != 3:
                raise ConfigError(f"{path}: each row must be name,id_type,id_number: {row[:1]}")
            known.add(_key(*row))
    return known


class LocalVerifier:
    def __init__(self, known: set[tuple[str, str, str]] | None = None):
        self.known = known

    def verify(self, name: str, id_type: str, id_number: str) -> VerificationResult:
        try:
            documents.validate_id_number(id_type, id_number)
        except ValidationError as exc:
            return VerificationResult(False, exc)
        key = _key(name, id_type, id_number)
        if self.known is not None and key not in self.known:
            log.info("real-name verification (local): no match for %s %s", id_type, mask(key[2]))
            return VerificationResult(False, MISMATCH)
        return VerificationResult(True)


class HttpVerifier(JsonVerificationService):
    def __init__(
        self, url: str, api_key: str, *, timeout: float, api_key_header: str = "X-Api-Key"
    ):
        super().__init__(
            url,
            api_key,
            timeout=timeout,
            api_key_header=api_key_header,
            label="real-name verification",
            unavailable=RealNameUnavailable,
            mismatch=MISMATCH,
            log=log,
        )

    def verify(self, name: str, id_type: str, id_number: str) -> VerificationResult:
        number = documents.normalize(id_number)
        body = {"name": (name or "").strip(), "id_type": id_type, "id_number": number}
        return self.ask(body, f"{id_type} {mask(number)}")


def make_realname_verifier(settings: Settings) -> LocalVerifier | HttpVerifier:
    """The verifier the settings ask for (``[realname]`` in idp/config/default.toml)."""
    backend = settings.realname.backend
    if backend == "local":
        path = settings.realname.known_identities_file
        if not path:
            return LocalVerifier()
        file = Path(path) if Path(path).is_absolute() else ROOT / path
        if not file.is_file():
            raise ConfigError(f"realname.known_identities_file names {path}, which is not a file")
        return LocalVerifier(read_known_identities(file))
    if backend == "http":
        if not settings.realname.url.startswith(("https://", "http://")):
            raise ConfigError("realname.url must be the verification service's http(s) URL")
        if not settings.realname.api_key:
            raise ConfigError("realname.api_key must be set for the http backend")
        return HttpVerifier(
            settings.realname.url,
            settings.realname.api_key,
            timeout=settings.realname.timeout,
            api_key_header=settings.realname.api_key_header,
        )
    raise ConfigError(f'realname.backend must be "local" or "http", not {backend!r}')
