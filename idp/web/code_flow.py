"""Multi-step form state and the part of a form that proves a mobile and an email by codes (S7),
shared by registration (natural person, organisations), supplementation and the handler binding.

A ``FormState`` holds a random flow id the codes are bound to, digests of the destinations
already verified (so a later refusal of the form does not make the user fetch new codes) and
whatever else the steps need (the organisation created, a handler ticket, parked fields).
``CookieState`` keeps it in the signed Flask session under its own name (registration); the
supplementation keeps it in its sign-in record (``supplement_flow.RecordState``), where typed
fields are sealed. ``park`` stores a form's typed fields, never passwords or codes.
"""

from __future__ import annotations

import secrets
from typing import Any, Protocol

from flask import session
from flask_babel import gettext as _

from ..domain.accounts import registration
from ..domain.errors import DomainError, ValidationError
from ..domain.verification.codes import CodeRefused, normalise_destination
from ..services import services
from . import messages
from .client_ip import client_ip

CODE_FIELDS = {"sms": ("phone", "sms_code"), "mail": ("email", "email_code")}


UNPARKED = frozenset(
    {
        "password",
        "password_confirm",
        "sms_code",
        "email_code",
        "csrf_token",
        "submit",
        "refresh",
        "identity_proof",
        "qualification",
    }
)


class FormState(Protocol):
    """The state of one multi-step form."""

    @property
    def id(self) -> str: ...

    @property
    def verified(self) -> dict[str, Any]: ...

    def get(self, key: str, default: Any = None) -> Any: ...

    def save(self, **changes: Any) -> None: ...


class CookieState:
    """A ``FormState`` in the signed Flask session under ``name``."""

    def __init__(self, name: str):
        self.name = name
        self.current = flow(name)

    @property
    def id(self) -> str:
        return str(self.current["id"])

    @property
    def verified(self) -> dict[str, Any]:
        return dict(self.current["verified"])

    def get(self, key: str, default: Any = None) -> Any:
        return self.current.get(key, default)

    def save(self, **changes: Any) -> None:
        self.current = save(self.name, self.current, **changes)

    def clear(self) -> None:
        session.pop(self.name, None)


def park(state: FormState, form) -> None:
    """Keep what was typed (never passwords, codes or files) so the page can show it again."""
    state.save(
        fields={name: field.data for name, field in form._fields.items() if name not in UNPARKED}
    )


def flow(name: str) -> dict:
    current = session.get(name)
    if not isinstance(current, dict) or not isinstance(current.get("id"), str):
        current = {"id": secrets.token_urlsafe(18), "verified": {}}
        session[name] = current
    return current


def save(name: str, current: dict, **changes) -> dict:
    session[name] = current = {**current, **changes}
    return current


def verified_shown(current: FormState | dict, form) -> dict[str, bool]:
    """Which of the form's destinations this flow has already proven (``current``: a state, or
    the cookie dict of ``flow``)."""
    verified = current["verified"] if isinstance(current, dict) else current.verified
    shown = {}
    for channel, (field, _code) in CODE_FIELDS.items():
        try:
            dest = normalise_destination(channel, form[field].data or "")
        except (KeyError, ValidationError):
            shown[channel] = False
            continue
        shown[channel] = verified.get(channel) == registration.verified_key(channel, dest)
    return shown


def send(channel: str, form, purpose: str, flow_id: str, **wording) -> tuple[dict, str | None]:
    """Send a code to the form's destination: (field errors, notice). ``wording``: the
    message's ``template`` and ``params`` when not the usual code (verification.codes)."""
    field, code_field = CODE_FIELDS[channel]
    try:
        services().codes.send(
            channel, form[field].data or "", purpose, flow_id, client_ip(), **wording
        )
    except ValidationError as exc:
        return {field: messages.message(exc)}, None
    except DomainError as exc:  # too many sends, or the gateway failed
        return {code_field: messages.message(exc)}, None
    minutes = max(1, services().settings.codes.ttl // 60)
    if channel == "sms":
        return {}, _("短信验证码已发送，%(minutes)s 分钟内有效。", minutes=minutes)
    return {}, _("邮件验证码已发送，%(minutes)s 分钟内有效。", minutes=minutes)


def check_codes(
    form, purpose: str, flow_id: str, verified: dict, channels=tuple(CODE_FIELDS)
) -> dict[str, str]:
    """S7 for a form with mobile and/or email fields: each destination is proven once per flow
    by a code bound to ``purpose`` and ``flow_id``; ``verified`` gains the proven ones (digests)
    so a later refusal elsewhere does not make the user fetch new codes. Returns field errors."""
    codes, errors = services().codes, {}
    for channel in channels:
        field, code_field = CODE_FIELDS[channel]
        if field not in form:
            continue
        try:
            dest = normalise_destination(channel, form[field].data or "")
        except ValidationError as exc:
            errors[field] = messages.message(exc)
            continue
        if verified.get(channel) == registration.verified_key(channel, dest):
            continue
        code = (form[code_field].data or "").strip()
        if not code:
            errors[code_field] = (
                _("请填写短信验证码。") if channel == "sms" else _("请填写邮件验证码。")
            )
            continue
        try:
            codes.verify(channel, dest, purpose, flow_id, code)
            verified[channel] = registration.verified_key(channel, dest)
        except CodeRefused as exc:
            errors[code_field] = messages.message(exc)
    return errors
