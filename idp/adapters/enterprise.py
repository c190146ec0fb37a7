"""Enterprise verification (企业信息核验) adapters, chosen by ``enterprise.backend``.

- ``local``: for development and tests, which cannot reach the national enterprise credit
  register. Its rule, deterministic: the USCC passes GB 32100 and the representative's document
  its D1 validation (else "no match", with the validator's message); when
  ``enterprise.known_enterprises_file`` names a CSV of ``uscc,name,rep_name,rep_id_number``, the
  record must also be listed there (else "no match"); ``enterprise.local_outage = true`` makes
  every check "unavailable" (the fail-closed path, by hand or in a test).
- ``http``: the register's JSON service. A mismatch is an answer; a service that is down, slow,
  refuses us or talks nonsense raises ``EnterpriseUnavailable`` so callers fail closed.
Logs name the USCC and the representative's document only masked (D5).
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path

from ..config import ROOT, ConfigError, Settings
from ..domain.errors import ValidationError
from ..domain.identity import documents
from ..domain.ports import EnterpriseRecord, EnterpriseUnavailable, VerificationResult
from .realname import mask
from .verification_service import JsonVerificationService

log = logging.getLogger(__name__)
MISMATCH = "统一社会信用代码、单位名称与法定代表人信息不一致，未通过企业信息核验。"
Key = tuple[str, str, str, str]


def _key(uscc: str, name: str, rep_name: str, rep_id_number: str) -> Key:
    return (
        documents.normalize(uscc),
        (name or "").strip(),
        (rep_name or "").strip(),
        documents.normalize(rep_id_number),
    )


def _masked(record: EnterpriseRecord) -> str:
    uscc, number = documents.normalize(record.uscc), documents.normalize(record.rep_id_number)
    return f"{mask(uscc)} rep {mask(number)}"


def read_known_enterprises(path: Path) -> set[Key]:
    """Rows ``uscc,name,rep_name,rep_id_number``; a header row and ``#`` lines are skipped."""
    known = set()
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.reader(fh):
            if not row or row[0].lstrip().startswith("#") or row[:1] == ["uscc"]:
                continue
            if len(row) != 4:
                raise ConfigError(f"{path}: each row must be uscc,name,rep_name,rep_id_number")
            known.add(_key(*row))
    return known


class LocalEnterpriseVerifier:
    def __init__(self, known: set[Key] | None = None, outage: bool = False):
        self.known, self.outage = known, outage

    def verify(self, record: EnterpriseRecord) -> VerificationResult:
        if self.outage:
            log.error("enterprise verification (local) unavailable: enterprise.local_outage")
            raise EnterpriseUnavailable("local outage")
        try:
            documents.validate_uscc(record.uscc)
            if record.rep_id_type in documents.ID_TYPES:
                documents.validate_id_number(record.rep_id_type, record.rep_id_number)
        except ValidationError as exc:
            return VerificationResult(False, exc)
        key = _key(record.uscc, record.name, record.rep_name, record.rep_id_number)
        if not all(key) or (self.known is not None and key not in self.known):
            log.info("enterprise verification (local): no match for %s", _masked(record))
            return VerificationResult(False, MISMATCH)
        return VerificationResult(True)


class HttpEnterpriseVerifier(JsonVerificationService):
    def __init__(
        self, url: str, api_key: str, *, timeout: float, api_key_header: str = "X-Api-Key"
    ):
        super().__init__(
            url,
            api_key,
            timeout=timeout,
            api_key_header=api_key_header,
            label="enterprise verification",
            unavailable=EnterpriseUnavailable,
            mismatch=MISMATCH,
            log=log,
        )

    def verify(self, record: EnterpriseRecord) -> VerificationResult:
        uscc, name, rep_name, rep_number = _key(
            record.uscc, record.name, record.rep_name, record.rep_id_number
        )
        body = {
            "uscc": uscc,
            "name": name,
            "legal_representative": {
                "name": rep_name,
                "id_type": record.rep_id_type,
                "id_number": rep_number,
            },
        }
        return self.ask(body, _masked(record))


def make_enterprise_verifier(
    settings: Settings,
) -> LocalEnterpriseVerifier | HttpEnterpriseVerifier:
    """The verifier the settings ask for (``[enterprise]`` in idp/config/default.toml)."""
    backend = settings.enterprise.backend
    if backend == "local":
        outage = settings.enterprise.local_outage
        path = settings.enterprise.known_enterprises_file
        if not path:
            return LocalEnterpriseVerifier(outage=outage)
        file = Path(path) if Path(path).is_absolute() else ROOT / path
        if not file.is_file():
            raise ConfigError(
                f"enterprise.known_enterprises_file names {path}, which is not a file"
            )
        return LocalEnterpriseVerifier(read_known_enterprises(file), outage=outage)
    if backend == "http":
        if not settings.enterprise.url.startswith(("https://", "http://")):
            raise ConfigError("enterprise.url must be the enterprise register's http(s) URL")
        if not settings.enterprise.api_key:
            raise ConfigError("enterprise.api_key must be set for the http backend")
        return HttpEnterpriseVerifier(
            settings.enterprise.url,
            settings.enterprise.api_key,
            timeout=settings.enterprise.timeout,
            api_key_header=settings.enterprise.api_key_header,
        )
    raise ConfigError(f'enterprise.backend must be "local" or "http", not {backend!r}')
