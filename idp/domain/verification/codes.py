"""One-time verification codes for mobile numbers and email addresses (rule S7).

- A code is 6 digits from ``secrets``. The store keeps only its HMAC (under
  ``secrets.blind_index_key``, purpose purposes.VERIFICATION_CODE), bound to the channel, the
  normalised destination, the purpose and the flow id: it verifies nothing else.
- It lives ``codes.ttl`` seconds on the clock, is single use (an atomic pop), and
  ``codes.max_attempts`` tries burn it (counted before comparing, so parallel guesses are bounded).
- Sending is limited by ``send_limits`` (60 s resend wait, per destination per hour and per
  Beijing day, per client IP); its ``SendLimited`` is re-exported here.
- A message the gateway did not accept leaves no usable code and lifts the resend wait, so the
  user may retry at once; it still counts toward the hourly and daily limits, which protect the
  gateway and the number's owner from a flood even while the gateway fails.
- ``send(..., later=True)`` hands the gateway call to the ``Dispatch`` port and returns once
  the code is stored: a caller that sends only on a match (handler binding, P3) then answers as
  fast with or without a message, whatever the gateway's latency. A later failure is logged and
  leaves no usable code, as above.
- Logs never hold the code or the full destination (masked).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypedDict

from .. import purposes, trail
from ..crypto import constant_time_equal, keyed_digest
from ..errors import DomainError
from ..identity.documents import mask_mobile, normalize, validate_mobile
from ..identity.emails import normalise_email
from ..ports import Clock, Dispatch, MailSender, SendFailed, SmsSender, Store
from .send_limits import SendLimited, SendLimits

if TYPE_CHECKING:
    from ...config import Settings

log = logging.getLogger(__name__)
_PURPOSE = re.compile(r"[a-z][a-z0-9_]{0,31}")
_CHANNELS = ("sms", "mail")
# message templates (the SMS port's ``template``): each says who asks and why. The usual code
# names what it is for (``ACTIONS`` by purpose, the ``action`` param) and warns against passing it
# on; a code the recipient must hand to an organisation that asks to make them its handler (P3)
# names the organisation instead, and tells them to keep it only if they refuse.
TEXTS = {
    "verification_code": "您的验证码为 {code}，用于{action}，{minutes} 分钟内有效。"
    "请勿将验证码告诉任何人。",
    "bind_handler": "“{organisation}”申请将您绑定为该单位的经办人，验证码为 {code}，"
    "{minutes} 分钟内有效。同意绑定请将验证码告知该单位；如不同意，请勿告知任何人。",
    "new_handler": "“{organisation}”申请为您注册统一身份认证账号并绑定为该单位的经办人，"
    "验证码为 {code}，{minutes} 分钟内有效。同意请将验证码告知该单位；如不同意，请勿告知任何人。",
}
ACTIONS = {
    "register": "注册国家知识产权局统一身份认证账号",
    "register_org": "注册机构的统一身份认证账号",
    "supplement": "完善商标网上申请系统历史账号的信息（信息补录）",
    "appeal": "提交历史账号的人工申诉",
    "login": "登录统一身份认证账号（密码多次输错后的安全验证）",
    "change_mobile": "将统一身份认证账号的手机号码改为本号码",
    "change_email": "将统一身份认证账号的电子邮箱改为本邮箱",
    "legacy_reset": "重置商标网上申请系统历史账号的密码",
    "password_reset": "重置统一身份认证账号的密码",
    "": "国家知识产权局统一身份认证",  # any other purpose
}
NAME_LENGTH = 40  # an organisation's name in a text, cut to keep one message
__all__ = [
    "CodeExpired",
    "CodeRefused",
    "DeliveryFailed",
    "SendLimited",
    "TooManyTries",
    "VerificationCodes",
    "WrongCode",
    "mask",
    "normalise_destination",
]


class CodeRefused(DomainError):
    """A code that does not verify, or a message that could not be sent (field "code")."""

    def __init__(self, code: str, **params: int | str):
        super().__init__(code, "code", **params)


class WrongCode(CodeRefused):
    """Not the code that was sent (or not 6 digits)."""


class CodeExpired(CodeRefused):
    """No live code for this binding: never sent, expired, used or burnt."""


class TooManyTries(CodeRefused):
    """``codes.max_attempts`` reached: the code is burnt."""


class DeliveryFailed(CodeRefused):
    """The gateway did not take the message; no code is usable and the user may retry now."""


def normalise_destination(channel: str, destination: str) -> str:
    if channel == "sms":
        return validate_mobile(destination)
    if channel == "mail":
        return normalise_email(destination)
    raise ValueError(f"unknown channel {channel!r}")


def mask(channel: str, destination: str) -> str:
    if channel == "sms":
        return mask_mobile(destination)
    local, _, domain = destination.partition("@")
    return local[:1] + "***@" + domain


class _Senders(TypedDict):
    sms: SmsSender
    mail: MailSender


def _unrecorded(*args: Any, **kwargs: Any) -> None:
    """No audit trail (the class used without the app: adapter tests, tools)."""


class VerificationCodes:
    """``send`` a code through the SMS or mail port; ``verify`` it once (S7)."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        sms: SmsSender,
        mail: MailSender,
        settings: Settings,
        dispatch: Dispatch | None = None,
        audit: Callable[..., None] | None = None,
    ) -> None:
        """``audit`` is the audit trail's ``record`` (wired by the app; none standalone)."""
        self.store, self.clock = store, clock
        self.audit = audit or _unrecorded
        self.dispatch = dispatch or (lambda job: job())
        self.senders: _Senders = {"sms": sms, "mail": mail}
        self.key = settings.secrets.blind_index_key
        self.ttl = settings.codes.ttl
        self.max_attempts = settings.codes.max_attempts
        self.limits = SendLimits(store, clock, settings)
        self.signature = settings.codes.sms_signature
        self.subject = settings.codes.mail_subject

    def _digest(self, *parts: str) -> str:
        return keyed_digest(self.key, "\x1f".join(parts), purposes.VERIFICATION_BINDING)

    def _hash(self, binding: str, code: str) -> str:
        return keyed_digest(self.key, f"{binding}:{code}", purposes.VERIFICATION_CODE)

    def _bind(self, channel: str, destination: str, purpose: str, flow_id: str) -> tuple[str, str]:
        if channel not in _CHANNELS or not _PURPOSE.fullmatch(purpose or "") or not flow_id:
            raise ValueError("channel, purpose and flow_id must be given")
        dest = normalise_destination(channel, destination)
        return dest, self._digest(channel, dest, purpose, str(flow_id))

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
    ) -> None:
        """Send a new code (replacing any earlier one for the same binding), or refuse.
        ``template`` (a key of ``TEXTS``) and ``params`` choose the wording of the message;
        ``later`` hands the delivery to ``dispatch`` instead of waiting for the gateway."""
        dest, binding = self._bind(channel, destination, purpose, flow_id)
        gap = self.limits.take(
            self._digest(channel, dest, purpose),
            self._digest(channel, dest),
            self._digest("ip", ip or "-"),
        )
        code = f"{secrets.randbelow(10**6):06d}"
        record = json.dumps({"h": self._hash(binding, code), "exp": self.clock.now() + self.ttl})
        self.store.set(f"vc:code:{binding}", record, ttl=self.ttl + 60)
        self.store.delete(f"vc:tries:{binding}")

        def deliver() -> None:
            try:
                self._deliver(channel, dest, code, purpose, template, params or {})
            except SendFailed as exc:
                self.store.delete(f"vc:code:{binding}")
                self.limits.release(gap)
                log.warning(
                    "verification %s to %s (%s) failed: %s",
                    channel,
                    mask(channel, dest),
                    purpose,
                    exc,
                )
                raise DeliveryFailed(
                    "code.sms_failed" if channel == "sms" else "code.mail_failed"
                ) from exc
            log.info("verification %s sent to %s (%s)", channel, mask(channel, dest), purpose)

        what: dict[str, Any] = {
            "channel": channel,
            "purpose": purpose,
            "recipient": mask(channel, dest),
        }
        if later:  # handed over: a failure later is the gateway's log line, not this entry
            self.dispatch(deliver)
            self.audit(trail.CODE_SENT, queued=True, **what)
            return
        try:
            deliver()
        except DeliveryFailed:
            self.audit(trail.CODE_SENT, result=trail.FAILED, **what)
            raise
        self.audit(trail.CODE_SENT, **what)

    def _deliver(
        self,
        channel: str,
        dest: str,
        code: str,
        purpose: str,
        template: str,
        params: dict[str, str],
    ) -> None:
        values = {**params, "code": code, "minutes": str(max(1, self.ttl // 60))}
        if template == "verification_code":
            values.setdefault("action", ACTIONS.get(purpose, ACTIONS[""]))
        if len(values.get("organisation", "")) > NAME_LENGTH:
            values["organisation"] = values["organisation"][: NAME_LENGTH - 1] + "…"
        text = TEXTS[template].format(**values)
        if channel == "sms":
            self.senders["sms"].send_sms(dest, f"【{self.signature}】{text}", template, values)
        else:
            body = f"{text}\n如非本人操作，请忽略本邮件。\n\n{self.signature}"
            self.senders["mail"].send_mail(dest, self.subject, body)

    def verify(self, channel: str, destination: str, purpose: str, flow_id: str, code: str) -> bool:
        """True once for the right code of this binding; every other answer is a refusal."""
        submitted = normalize(code)
        if not re.fullmatch(r"[0-9]{6}", submitted):
            raise WrongCode("code.format")
        _, binding = self._bind(channel, destination, purpose, flow_id)
        key, tries_key = f"vc:code:{binding}", f"vc:tries:{binding}"
        raw = self.store.get(key)
        record = json.loads(raw) if raw else None
        if record is None or record["exp"] <= self.clock.now():
            raise CodeExpired("code.expired")
        tries = self.store.incr(tries_key, self.ttl + 60)
        if tries > self.max_attempts:
            self.store.delete(key)
            raise TooManyTries("code.too_many_tries")
        if constant_time_equal(record["h"], self._hash(binding, submitted)):
            if self.store.pop(key) != raw:  # used (or replaced) meanwhile
                raise CodeExpired("code.expired")
            self.store.delete(tries_key)
            return True
        if tries >= self.max_attempts:
            self.store.delete(key)
            raise TooManyTries("code.too_many_tries")
        raise WrongCode("code.wrong", left=self.max_attempts - tries)
