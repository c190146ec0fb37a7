"""The admin accounts (role ``system``): list, create, disable, reset TOTP — the domain
operations ``idp admin`` calls. Each change asks for a fresh re-authentication and is
audited."""

from __future__ import annotations

from flask import abort, g, redirect, render_template, url_for

from ..domain.admins import accounts as admins
from ..domain.errors import DomainError
from . import guard
from .audit import admin_audit
from .blueprint import bp
from .forms import ROLE_LABELS, ActionForm, CreateAdminForm
from .words import message


@bp.route("/admins", methods=["GET"])
@guard.requires(admins.SYSTEM)
def admin_list():
    return render_template(
        "admin/admins.html",
        accounts=admins.all_admins(),
        roles=ROLE_LABELS,
        action_form=ActionForm(),
    )


@bp.route("/admins/new", methods=["GET", "POST"])
@guard.requires(admins.SYSTEM)
@guard.fresh_required(back="admin.admin_create")
def admin_create():
    form = CreateAdminForm()
    error = None
    if form.validate_on_submit():
        try:
            created = admins.create(
                form.username.data or "",
                form.display_name.data or "",
                form.role.data or "",
                form.password.data or "",
            )
        except DomainError as exc:
            field = getattr(form, exc.field or "", None)
            if field is not None and hasattr(field, "errors"):
                field.errors = [message(exc)]
            else:
                error = message(exc)
        else:
            admin_audit("admin.create", username=created.username, role=created.role)
            return redirect(url_for("admin.admin_list"))
    status = 200 if error is None and not form.errors else 400
    return render_template("admin/admin_new.html", form=form, error=error), status


def _target(admin_id: int):
    target = admins.get_by_id(admin_id)
    if target is None:
        abort(404)
    return target


@bp.route("/admins/<int:admin_id>/disable", methods=["POST"])
@guard.requires(admins.SYSTEM)
@guard.fresh_required(back="admin.admin_list")
def admin_disable(admin_id: int):
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    target = _target(admin_id)
    try:
        admins.disable(target, by=g.admin)
    except DomainError as exc:
        abort(409, description=message(exc))
    admin_audit("admin.disable", username=target.username)
    return redirect(url_for("admin.admin_list"))


@bp.route("/admins/<int:admin_id>/reset-totp", methods=["POST"])
@guard.requires(admins.SYSTEM)
@guard.fresh_required(back="admin.admin_list")
def admin_reset_totp(admin_id: int):
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    target = _target(admin_id)
    admins.reset_totp(target)
    admin_audit("admin.reset_totp", username=target.username)
    return redirect(url_for("admin.admin_list"))
