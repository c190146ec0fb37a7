"""旧账号管理 in the personal center (P2, L3–L5): see the linked legacy account, or link one.

The page asks for re-authentication first (``sensitive``): a link can never be undone (L3), so
only the account's owner, who just typed the current password, may make it. Linking needs the
legacy account id and its legacy password (L5); an unknown account and a wrong password get the
login page's generic message and count as a failed login of that legacy account in the login
throttle (the key the legacy login uses, so both paths share one lock). Every other refusal
(L2 cutoff, L3 already linked, L4 not the designated account, identity mismatch) says why.
There is deliberately no unlink anywhere (L3).
"""

from __future__ import annotations

import datetime as dt

from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from ...domain.errors import DomainError
from ...domain.legacy import link as legacy_link
from ...domain.legacy import login as legacy
from ...domain.legacy.identity import IdentityMismatch
from ...domain.models.legacy import AGENCY, LEGAL, NATURAL, SIMPLE
from ...domain.signin import login_keys
from ...domain.signin.throttle import CODE
from .. import messages
from ..client_ip import client_ip
from ..login import passwords as auth
from .guard import bp, sensitive

BEIJING = dt.timezone(dt.timedelta(hours=8))
KINDS = {NATURAL: _l("自然人"), LEGAL: _l("法人"), AGENCY: _l("代理机构"), SIMPLE: _l("简易用户")}


class LegacyLinkForm(FlaskForm):
    account = StringField(
        _l("历史账号"),
        validators=[DataRequired(_l("请输入商标网上申请系统的历史账号。")), Length(max=64)],
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "none",
            "spellcheck": "false",
            "maxlength": 64,
        },
    )
    password = PasswordField(
        _l("历史账号密码"),
        validators=[DataRequired(_l("请输入历史账号的密码。")), Length(max=128)],
        render_kw={"autocomplete": "off", "maxlength": 128},
    )
    submit = SubmitField(_l("关联历史账号"))


def throttle_key(account_id: str) -> str:
    """The legacy account's login counter (L5: a wrong password here is a failed login of that
    legacy account; the legacy login and this page share one count, domain.signin.login_keys)."""
    return login_keys.for_link(account_id)


def _linked_at(account) -> str:
    return (
        account.linked_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
        if account.linked_at
        else ""
    )


@bp.route("/account/legacy", methods=["GET", "POST"], endpoint="legacy")
@sensitive
def legacy_page(s, user):
    linked = legacy_link.linked_account(user)
    form, error, just_linked = LegacyLinkForm(), None, False
    if linked is None and form.validate_on_submit():
        linked, error = _link(user, form)
        just_linked = linked is not None
    return render_template(
        "account/legacy.html",
        form=form,
        linked=linked,
        error=messages.message(error) if isinstance(error, DomainError) else error,
        appeal=isinstance(error, IdentityMismatch),
        kind=KINDS.get(linked.kind, linked.kind) if linked else None,
        linked_at=_linked_at(linked) if linked else None,
        just_linked=just_linked,
    )


def _link(user, form):
    """One attempt: (the linked account, None) or (None, why not: a message or the refusal;
    an IdentityMismatch makes the page offer the manual appeal, L10). This page has no captcha
    or code step of its own: while the legacy account's failures ask for a code, it answers
    like a wrong password (a 历史账号 login with the code clears the count)."""
    limiter, ip = auth.throttle(), client_ip()
    key = throttle_key(form.account.data)
    if limiter.locked_for(key, ip) or limiter.bar(key) == CODE:
        legacy.check_password(None, form.password.data)  # the same cost whether locked or not
        return None, str(auth.GENERIC_FAILURE)
    try:
        account = legacy_link.link_existing(user, form.account.data, form.password.data)
    except DomainError as exc:  # L2, L3, L4, identity (S2): the password was right
        return None, exc
    if account is None:  # L5: unknown account or wrong password, a failed login
        limiter.failure(key, ip)
        return None, str(auth.GENERIC_FAILURE)
    limiter.success(key, ip)
    return account, None
