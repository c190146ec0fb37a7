"""The SMS that tells an applicant the office's decision (P7: organisation reviews, L10: legacy
appeals). It is queued to go out only if the decision commits (``transaction.after_commit``),
so a rolled-back decision tells nobody anything; a gateway failure is logged and the decision
stands (the office tells the applicant another way)."""

from __future__ import annotations

import logging

from ...services import services
from .. import transaction
from ..ports import SendFailed

log = logging.getLogger(__name__)


def send_after_commit(
    phone: str | None, texts: dict[str, str], template: str, values: dict[str, str], what: str
) -> None:
    """Queue ``texts[template]`` filled with ``values`` (and the SMS signature) to ``phone``;
    nothing when there is no phone. ``what`` names the decision in the failure's log line."""
    if not phone:
        return
    text = texts[template].format(signature=services().settings.codes.sms_signature, **values)
    sms = services().sms

    def send() -> None:
        try:
            sms.send_sms(phone, text, template, values)
        except SendFailed as exc:
            log.warning("%s: decision SMS not sent: %s", what, exc)

    transaction.after_commit(send)
