"""The one-time code after a correct password, once the account's failures asked for it
(docs/accounts.md, "Login throttling and lockout"; ``auth.Outcome.step_up``).

The correct password parks the sign-in server-side (store key ``login-code:<flow>``: the
account's throttle key, the mobile, who signs in and for which request); the signed cookie
holds only the flow id. ``/login/code`` shows the masked mobile and takes the code (S7
verification codes, purpose ``login``) or sends a new one (the S7 send limits apply). The right
code completes the sign-in exactly as the password would have, and starts the account's count
again; nothing else does.
"""

from __future__ import annotations

import json
import secrets

from flask import redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import Length, Optional

from ...domain import trail
from ...domain.errors import DomainError
from ...domain.identity import documents
from ...domain.models import LegacyAccount, User
from ...domain.signin import login_code
from ...extensions import db
from ...services import services
from .. import messages
from ..client_ip import client_ip
from . import passwords as auth
from .sign_in import CHOICE_KEY, finish, start_supplement

FLOW = "login_code_flow"


class LoginCodeForm(FlaskForm):
    code = StringField(
        _l("短信验证码"),
        validators=[Optional(), Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 12},
    )
    send = SubmitField(_l("重新发送验证码"))
    submit = SubmitField(_l("验证并登录"))


def flow_key(flow: str) -> str:
    return f"login-code:{flow}"


def _ttl() -> int:
    return services().settings.codes.ttl + 600


def _send(parked: dict, flow: str) -> str | None:
    try:
        login_code.send(parked["mobile"], flow, client_ip())
    except DomainError as exc:  # send limits or the gateway: said on the page, retry later
        return messages.message(exc)
    return None


def begin(outcome: auth.Outcome, entry: str, iid: str | None):
    """Park the sign-in behind its code, send the code, show the code page."""
    flow = secrets.token_urlsafe(16)
    parked = {
        "key": outcome.step_up.key,
        "mobile": outcome.step_up.mobile,
        "entry": entry,
        "iid": iid,
        "user_id": outcome.user.id if outcome.user else None,
        "acting_for": outcome.acting_for,
        "choose": bool(outcome.organisations),
        "legacy_id": outcome.legacy.id if outcome.legacy is not None else None,
    }
    services().store.set(flow_key(flow), json.dumps(parked), ttl=_ttl())
    session[FLOW] = flow
    error = _send(parked, flow)
    if error:
        session["login_code_error"] = error
    return redirect(url_for("login.code"))


def _parked() -> tuple[str, dict] | tuple[None, None]:
    flow = session.get(FLOW)
    raw = services().store.get(flow_key(flow)) if isinstance(flow, str) else None
    return (flow, json.loads(raw)) if raw else (None, None)


def code_page():
    flow, parked = _parked()
    if parked is None:
        session.pop(FLOW, None)
        return redirect(url_for("account.login"))
    form, error = LoginCodeForm(), session.pop("login_code_error", None)
    notice = None
    if form.validate_on_submit():
        if form.send.data:
            error = _send(parked, flow)
            notice = None if error else _("验证码已重新发送。")
        else:
            try:
                login_code.verify(parked["mobile"], flow, form.code.data)
            except DomainError as exc:
                form.code.errors = [*form.code.errors, messages.message(exc)]
                trail.record(
                    trail.LOGIN_FAILED,
                    result=trail.REFUSED,
                    subject=parked["user_id"],
                    entry=parked["entry"],
                    method="code",
                    reason=exc.code,
                )
            else:
                services().store.delete(flow_key(flow))
                session.pop(FLOW, None)
                auth.passed(parked["key"])
                if parked["legacy_id"] is not None:
                    return start_supplement(
                        db.session.get(LegacyAccount, parked["legacy_id"]), parked["iid"]
                    )
                user = db.session.get(User, parked["user_id"])
                if user is None or not user.active:
                    return redirect(url_for("account.login"))
                if parked["choose"]:
                    session[CHOICE_KEY] = {
                        "user_id": user.id,
                        "entry": parked["entry"],
                        "iid": parked["iid"],
                        "at": services().now(),
                    }
                    return redirect(url_for("login.choose"))
                return finish(user, parked["acting_for"], parked["iid"])
    form.code.data = None
    return render_template(
        "auth/login_code.html",
        form=form,
        error=error,
        notice=notice,
        mobile=documents.mask_mobile(parked["mobile"]),
    )
