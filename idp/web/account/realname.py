"""实名认证 in the personal center (S7 for an account made without it; the rules are in
``domain/accounts/realname.py``). Asks for re-authentication first, like every change of the
account security settings (P2). A refusal answers 400, so the request's transaction rolls back
(``web._in_transaction``), and the form keeps what was typed."""

from __future__ import annotations

from flask import abort, render_template, url_for
from flask_babel import gettext as _

from ...domain.accounts import realname
from ...domain.accounts.registration import Refused
from ...domain.errors import DomainError
from .. import messages
from .forms import RealNameForm
from .guard import bp, sensitive
from .security import attach, attach_words, page

FIELDS = ["id_type", "name", "id_number", "valid_from", "valid_to", "long_term"]


@bp.route("/account/realname", methods=["GET", "POST"])
@sensitive
def realname_upgrade(s, user):
    if not realname.needed(user):
        abort(404)
    form, error, status = RealNameForm(), None, 200
    if not form.is_submitted():
        form.name.data = user.name
        form.id_type.data = user.id_type or form.id_type.data
    if form.validate_on_submit():
        doc = realname.Document(
            id_type=form.id_type.data or "",
            name=form.name.data or "",
            id_number=form.id_number.data or "",
            valid_from=form.valid_from.data or "",
            valid_to=form.valid_to.data or "",
            long_term=bool(form.long_term.data),
        )
        try:
            realname.upgrade(user, doc)
        except Refused as exc:
            status = 400
            for name, reason in exc.errors.items():
                error = attach_words(form, name, messages.message(reason)) or error
        except DomainError as exc:
            status, error = 400, attach(form, exc)
        else:
            return render_template(
                "account/done.html",
                message=_(
                    "实名认证已完成。您的账号现在是实名账号：可以被机构绑定为经办人，"
                    "各业务系统下次登录时即可看到认证状态。"
                ),
                back=url_for("account.index"),
            )
    elif form.is_submitted():
        status = 400
    return page(
        form,
        _("实名认证"),
        url_for(".realname_upgrade"),
        FIELDS,
        error=error,
        intro=[
            _(
                "您的账号尚未实名认证。请填写本人的有效身份证件，将通过实名认证服务核验姓名与证件号码。"
            ),
            _("每个账号每天最多核验 %(n)s 次。", n=realname.ATTEMPTS),
        ],
    ), status
