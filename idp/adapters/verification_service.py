"""The HTTP client both national verification services share (real-name S7, enterprise).

Each is a JSON service: POST the record, get ``{"match": bool, "reason"?: str}``. A mismatch is
an answer; a service that is down, slow, refuses us or talks nonsense raises the caller's
"unavailable" error, so callers fail closed. Logs (the caller's logger) name the record only
as the caller masked it.
"""

from __future__ import annotations

import logging

import requests

from ..domain.ports import VerificationResult


class JsonVerificationService:
    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        timeout: float,
        api_key_header: str,
        label: str,
        unavailable: type[Exception],
        mismatch: str,
        log: logging.Logger,
    ):
        self.url, self.timeout, self.label, self.log = url, timeout, label, log
        self.unavailable, self.mismatch = unavailable, mismatch
        self.headers = {api_key_header: api_key, "Accept": "application/json"}
        self.session = requests.Session()

    def _unavailable(self, why: str, masked: str) -> Exception:
        self.log.error("%s unavailable (%s) for %s", self.label, why, masked)
        return self.unavailable(why)

    def ask(self, body: dict, masked: str) -> VerificationResult:
        """The service's answer about ``body`` (``masked`` names it in the logs)."""
        try:
            response = self.session.post(
                self.url,
                json=body,
                headers=self.headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.Timeout:
            raise self._unavailable("timeout", masked) from None
        except requests.RequestException as exc:
            raise self._unavailable(type(exc).__name__, masked) from None
        if not 200 <= response.status_code < 300:
            raise self._unavailable(f"HTTP {response.status_code}", masked)
        try:
            answer = response.json()
        except ValueError:
            raise self._unavailable("malformed answer", masked) from None
        if not isinstance(answer, dict) or not isinstance(answer.get("match"), bool):
            raise self._unavailable("malformed answer", masked)
        if answer["match"]:
            self.log.info("%s: match for %s", self.label, masked)
            return VerificationResult(True)
        reason = answer.get("reason")
        self.log.info("%s: no match for %s", self.label, masked)
        return VerificationResult(
            False, reason if isinstance(reason, str) and reason else self.mismatch
        )
