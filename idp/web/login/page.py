"""The login page with its three entries (login table, G1, G2), shared by ``/login`` and the
interaction login step, the handler's organisation choice (P3), the help page and the
forgotten-password page (password_reset).

Entries and methods are plain links (``?entry=legal&method=handler``), so the page works without
JavaScript; each view renders one login form, the first form of the page. The 历史账号 method of
each entry (login table, L2–L6) signs in a linked account's user or starts the supplementation
of an unlinked one (S1, ``flows.supplement``).
After a supplementation without a pending sign-in, the page lists the identifiers to use (S8).
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l

from ...domain.models import User
from ...extensions import db
from ...services import services
from ..forms import ChooseOrganisationForm, LoginForm
from . import code as login_code
from . import password_reset
from . import passwords as auth
from .captcha import issue
from .sign_in import CHOICE_KEY, CHOICE_TTL, finish, start_supplement

bp = Blueprint("login", __name__)

ENTRIES = {"personal": _l("自然人"), "legal": _l("法人"), "agency": _l("代理机构")}
METHODS = {
    "personal": {"password": _l("手机号码/证件号码登录"), "legacy": _l("历史账号")},
    "legal": {
        "password": _l("统一社会信用代码登录"),
        "handler": _l("经办人登录"),
        "legacy": _l("历史账号"),
    },
    "agency": {
        "password": _l("备案统一社会信用代码登录"),
        "handler": _l("经办人登录"),
        "legacy": _l("历史账号"),
    },
}
LABELS = {
    "personal": _l("手机号码或证件号码"),
    "legal": _l("统一社会信用代码/组织机构代码"),
    "agency": _l("备案的统一社会信用代码"),
    "handler": _l("经办人手机号码或证件号码"),
}
# the line under the identifier of a password login: a foreign entity has no USCC (S5)
HINTS = {"legal": _l("境外机构请填写注册时获得的账号")}
LEGACY_LABELS = {
    "personal": _l("历史账号"),
    "legal": _l("历史账号中登记的统一社会信用代码（无统一社会信用代码的填写历史账号）"),
    "agency": _l("在商标局备案的统一社会信用代码"),
}


def login_page(
    endpoint: str,
    *,
    iid: str | None = None,
    client=None,
    abort_url=None,
    login_hint: str | None = None,
):
    entry = request.args.get("entry", "personal")
    entry = entry if entry in ENTRIES else "personal"
    method = request.args.get("method", "password")
    method = method if method in METHODS[entry] else "password"
    args = {"iid": iid} if iid else {}

    def link(e, m=None):
        query = {"entry": e} if e != "personal" else {}
        return url_for(endpoint, **args, **query, **({"method": m} if m else {}))

    form = LoginForm()
    form.identifier.label.text = (
        LEGACY_LABELS[entry]
        if method == "legacy"
        else LABELS["handler" if method == "handler" else entry]
    )
    if method == "legacy":
        form.password.label.text = _l("历史账号密码")
    error = None
    if form.validate_on_submit():
        if method == "legacy":
            outcome = auth.legacy_attempt(
                entry, form.identifier.data, form.password.data, form.captcha.data
            )
            if outcome.legacy is not None:
                return start_supplement(outcome.legacy, iid)
        else:
            outcome = auth.attempt(
                entry, method, form.identifier.data, form.password.data, form.captcha.data
            )
        if outcome.step_up is not None:
            return login_code.begin(outcome, entry, iid)
        if outcome.organisations:
            session[CHOICE_KEY] = {
                "user_id": outcome.user.id,
                "entry": entry,
                "iid": iid,
                "at": services().now(),
            }
            return redirect(url_for("login.choose"))
        if outcome.user is not None:
            return finish(outcome.user, outcome.acting_for, iid)
        error = outcome.error
        if error == str(auth.CAPTCHA_WRONG):  # the captcha's own error, linked from the summary
            form.captcha.errors, error = [error], None
        form.password.data = form.captcha.data = None
    elif request.method == "GET" and login_hint and entry == "personal":
        form.identifier.data = login_hint[:64]
    captcha_url = issue() if auth.captcha_needed(entry) else None
    return render_template(
        "auth/login.html",
        form=form,
        error=error,
        client=client,
        action=link(entry, method if method != "password" else None),
        abort_url=abort_url,
        entry=entry,
        method=method,
        entries=ENTRIES,
        methods=METHODS[entry],
        link=link,
        captcha_url=captcha_url,
        identifier_hint=HINTS.get(entry) if method == "password" else None,
        iid=iid,
    )


@bp.route("/login/organisation", methods=["GET", "POST"])
def choose():
    """A handler bound to several organisations picks one; the bindings are read again."""
    choice = session.get(CHOICE_KEY)
    if not choice or choice["at"] + CHOICE_TTL <= services().now():
        session.pop(CHOICE_KEY, None)
        return redirect(url_for("account.login"))
    user = db.session.get(User, choice["user_id"])
    orgs = auth.organisations_for(user, choice["entry"]) if user is not None and user.active else []
    form = ChooseOrganisationForm()
    form.organisation.choices = [(o.user_id, o.name) for o in orgs]
    if form.validate_on_submit():
        org = next(o for o in orgs if o.user_id == form.organisation.data)
        session.pop(CHOICE_KEY, None)
        return finish(user, auth.acting_for(org), choice["iid"])
    return render_template("auth/choose.html", form=form, organisations=orgs)


@bp.route("/login/code", methods=["GET", "POST"])
def code():
    """The one-time code a login needs after many failures of its account (login_code)."""
    return login_code.code_page()


@bp.get("/help/login")
def help_page():
    return render_template("auth/help.html")


@bp.route("/login/forgot", methods=["GET", "POST"])
def forgot():
    """忘记密码 of the entry's accounts (password_reset), with the way to the legacy reset."""
    entry = request.args.get("entry", "personal")
    return password_reset.start_page(entry if entry in ENTRIES else "personal", ENTRIES)
