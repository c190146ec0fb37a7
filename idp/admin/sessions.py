"""A citizen's SSO sessions (issue 12, "Keys and sessions"; role ``system``): look a user up by
login mobile or user id, see their live sessions (started, last active, the subsystems signed
into) and end one or all of them through ``protocol.logout`` (reason ``admin``), which queues
the back-channel logout notices of every client that registered a URI (OIDC Back-Channel
Logout 1.0 §2.5) once the request commits. Ending asks for a fresh re-authentication and is
audited (``admin.sessions_ended``, subject the citizen, with the count).

The lookup is a POST, so a mobile number never stands in a URL (access logs); the page then
names the user by row id. Only the masked mobile and the masked ID number are shown (D5)."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..adapters.sessions import SsoSession
from ..domain.accounts import users
from ..domain.admins import accounts as admins
from ..domain.identity.mobile import looks_like_mobile, mask_mobile
from ..domain.models import Client, User
from ..extensions import db
from ..protocol import logout
from . import guard, times
from .audit import admin_audit
from .blueprint import bp
from .forms import EndSessionsForm, SessionLookupForm

ALL = "all"
_MAX_ID = 2**31 - 1


def find_user(query: str) -> User | None:
    """The user a login mobile (an active personal account's, D3) or a row id names."""
    query = query.strip()
    if looks_like_mobile(query):
        return users.find_by_login(query)
    if query.isdigit() and 0 < int(query) <= _MAX_ID:
        return db.session.get(User, int(query))
    return None


def live_sessions(user: User) -> list[tuple[str, SsoSession, list[str]]]:
    """(key, session, names of the clients it signed into), newest first."""
    store, rows = logout.sessions(), []
    for key, live in store.sessions_of(user.id, user.sub):
        ids = sorted(store.clients(live))
        names = list(db.session.scalars(select(Client.name).where(Client.client_id.in_(ids))))
        rows.append((key, live, sorted(names)))
    rows.sort(key=lambda r: -r[1].created_at)
    return rows


def _page(form: SessionLookupForm, user: User | None = None, missing: bool = False, status=200):
    return render_template(
        "admin/sessions.html",
        form=form,
        user=user,
        mobile=mask_mobile(user.phone) if user is not None and user.phone else None,
        rows=live_sessions(user) if user is not None else [],
        end_form=EndSessionsForm(formdata=None),
        missing=missing,
        ended=request.args.get("ended", type=int),
        when=times.when,
    ), status


@bp.route("/sessions", methods=["GET", "POST"])
@guard.requires(admins.SYSTEM)
def sessions_lookup():
    form = SessionLookupForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return _page(form, status=400)
        user = find_user(form.query.data or "")
        if user is None:
            return _page(form, missing=True)
        return redirect(url_for("admin.sessions_lookup", user=user.id))
    user_id = request.args.get("user", type=int)
    user = db.session.get(User, user_id) if user_id and 0 < user_id <= _MAX_ID else None
    return _page(form, user, missing=user_id is not None and user is None)


@bp.route("/sessions/end", methods=["POST"])
@guard.requires(admins.SYSTEM)
@guard.fresh_required(back="admin.sessions_lookup")
def sessions_end():
    form = EndSessionsForm()
    if not form.validate_on_submit():
        abort(400)
    user_id = form.user_id.data
    user = db.session.get(User, user_id) if user_id and 0 < user_id <= _MAX_ID else None
    if user is None:
        abort(404, description=_("没有这个用户。"))
    if form.target.data == ALL:
        count = logout.end_user_sessions(user.id, "admin")
    else:
        count = sum(
            logout.end_session(key, "admin")
            for key, live, _names in live_sessions(user)
            if live.sid == form.target.data
        )
    admin_audit(
        "admin.sessions_ended", subject=user.id, which=_which(form.target.data), count=count
    )
    return redirect(url_for("admin.sessions_lookup", user=user.id, ended=count))


def _which(target: str | None) -> str:
    return "all" if target == ALL else "one"
