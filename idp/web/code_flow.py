"""Multi-step form state and the part of a form that proves a mobile and an email by codes (S7),
shared by registration (natural person, organisations), supplementation and the handler binding.

A ``FormState`` holds a random flow id the codes are bound to, digests of the destinations
already verified (so a later refusal of the form does not make the user fetch new codes) and
whatever else the steps need (the organisation created, a handler ticket, parked fields).
``CookieState`` keeps it in the signed Flask session under its own name (registration); the
supplementation keeps it in its sign-in record (``supplement_flow.RecordState``), where typed
fields are sealed. ``park`` stores a form's typed fields, never passwords or codes.

Without script a send-code button posts the whole form and the page comes back. forms.js posts
only the destination to the same URL asking for JSON (``wants_json``), and the view answers
with ``sent`` or ``refused`` (``send_json`` for the forms here): the same sends, limits and
words, and the page keeps everything typed, passwords and chosen files included.
"""

from __future__ import annotations

import secrets
from typing import Any, Protocol

from flask import Response, abort, jsonify, request, session
from flask_babel import gettext as _

from ..domain import transaction
from ..domain.accounts import registration
from ..domain.errors import DomainError, ValidationError
from ..domain.verification.codes import CodeRefused, DeliveryFailed, normalise_destination
from ..domain.verification.send_limits import SendLimited
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
    return {}, sent_notice(channel)


def sent_notice(channel: str) -> str:
    minutes = max(1, services().settings.codes.ttl // 60)
    if channel == "sms":
        return _("短信验证码已发送，%(minutes)s 分钟内有效。", minutes=minutes)
    return _("邮件验证码已发送，%(minutes)s 分钟内有效。", minutes=minutes)


def wants_json() -> bool:
    """A send-code button pressed with forms.js, which asks for JSON (the page stays)."""
    return request.accept_mimetypes.best == "application/json"


def send_json(channel: str, form, purpose: str, flow_id: str) -> Response:
    """``send`` for forms.js: the same send and words, as JSON. Only the destination is posted
    (and checked: the rest of the form stays on the page)."""
    field, code_field = CODE_FIELDS[channel]
    if field not in form:  # e.g. the e-mail of a form without one
        abort(404)
    if not form[field].validate(form):
        return refused(field, str(form[field].errors[0]))
    try:
        services().codes.send(channel, form[field].data or "", purpose, flow_id, client_ip())
    except DomainError as exc:
        return refused(field if isinstance(exc, ValidationError) else code_field, exc=exc)
    return sent(sent_notice(channel), code_field)


def sent(notice: str, code_field: str) -> Response:
    """A code went out: the words the page would show, the code's field, and when the button
    may send again (the server's resend limit decides; the countdown only helps)."""
    wait = services().settings.codes.resend_interval
    return jsonify(sent=True, message=notice, field=code_field, retry_after=wait)


def refused(
    field: str | None, words: str | None = None, exc: DomainError | None = None
) -> Response:
    """No code went out: the refusal the page would show next to ``field`` (``words``, or
    those of ``exc``). Bad input is a 400, a send limit a 429 with Retry-After, a failed
    gateway a 503; what the send recorded (the audit trail's failed delivery) stands, as it
    does on the page."""
    transaction.keep()
    body: dict[str, object] = {
        "sent": False,
        "message": words or (messages.message(exc) if exc is not None else ""),
        "field": field,
    }
    status, headers = 400, {}
    if isinstance(exc, SendLimited):
        status, body["retry_after"] = 429, exc.retry_after
        headers["Retry-After"] = str(exc.retry_after)
    elif isinstance(exc, DeliveryFailed):
        status = 503
    response = jsonify(body)
    response.status_code = status
    response.headers.update(headers)
    return response


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
