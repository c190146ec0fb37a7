"""会话管理 (P2): the user's live SSO sessions, with the subsystems each signed into, and a
sign-out per session (logout.end_session queues the back-channel notices, OIDC Back-Channel
Logout 1.0 §2.5). 旧账号管理 is in account_legacy.py.
"""

from __future__ import annotations

from flask import g, redirect, render_template, url_for

from ...domain.identity import documents
from ...domain.models import Client
from ...extensions import db
from ...protocol import logout
from ..forms import ConfirmForm
from ..login import signout
from .guard import bp, signed_in


@bp.get("/account/sessions")
@signed_in
def sessions_list(s, user):
    store, rows = logout.sessions(), []
    for key, live in store.sessions_of(user.id, user.sub):
        ids = sorted(store.clients(live))
        names = [c.name for c in db.session.query(Client).filter(Client.client_id.in_(ids))]
        rows.append((live, names, key == s.key))
    rows.sort(key=lambda r: -r[0].created_at)
    return render_template("account/sessions.html", rows=rows, form=ConfirmForm(), when=_beijing)


def _beijing(ts) -> str:
    return documents.beijing_date(ts).isoformat() + " " + _clock(ts)


def _clock(ts) -> str:
    seconds = (int(ts) + 8 * 3600) % 86400
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}"


@bp.post("/account/sessions/end")
@signed_in
def end_one_session(s, user):
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for(".sessions_list"))
    store = logout.sessions()
    for key, live in store.sessions_of(user.id, user.sub):
        if live.sid == form.target.data:
            logout.end_session(key, "user")
            if key == s.key:
                g.clear_sso_cookie = True
                signout.forget_browser()
                return render_template("oidc/logged_out.html")
    return redirect(url_for(".sessions_list"))
