"""The subsystems (clients) of the office (R1; role ``system``): every registered client with
its batch and state, and switching one on or off through the same domain operations as
``idp clients enable`` / ``disable`` (``registry.enable``, ``account_events.disable_client``:
its tokens end through the one revocation path and it is signed out of the SSO sessions
signed in to it by back-channel notices queued after commit). Each change is confirmed on a
page of its own and audited (``client.enabled`` / ``client.disabled``, the administrator
as actor through ``guard.requires``). A new secret is shown once (``secret_handover``);
registering and editing are ``subsystem_pages``."""

from __future__ import annotations

from flask import abort, make_response, redirect, render_template, request, url_for

from ..domain.admins import accounts as admins
from ..domain.clients import registry
from ..domain.vocab import SECRET_AUTH_METHODS
from ..flows import account_events
from . import guard, secret_handover
from .blueprint import bp
from .forms import ActionForm

ACTIONS = ("enable", "disable")


@bp.route("/subsystems", methods=["GET"])
@guard.requires(admins.SYSTEM)
def subsystems_list():
    return render_template(
        "admin/subsystems.html",
        clients=registry.listing(),
        done=request.args.get("done"),
        secret_methods=SECRET_AUTH_METHODS,
    )


@bp.route("/subsystems/<client_id>/<action>", methods=["GET", "POST"])
@guard.requires(admins.SYSTEM)
def subsystem_switch(client_id: str, action: str):
    client = registry.get(client_id)
    if client is None or action not in ACTIONS:
        abort(404)
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if action == "enable":
            registry.enable(client_id)
        else:
            account_events.disable_client(client_id)
        return redirect(url_for("admin.subsystems_list", done=action))
    return render_template("admin/subsystem_switch.html", client=client, action=action, form=form)


@bp.route("/subsystems/<client_id>/secret", methods=["GET", "POST"])
@guard.requires(admins.SYSTEM)
@guard.fresh_required(back="admin.subsystems_list")
def subsystem_reset_secret(client_id: str):
    """A new secret (re-authentication first), shown once through ``secret_handover``."""
    client = registry.get(client_id)
    if client is None:
        abort(404)
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        secret = registry.reset_secret(client_id)
        return secret_handover.show_once(client_id, secret, secret_handover.RESET)
    return render_template("admin/subsystem_switch.html", client=client, action="secret", form=form)


@bp.route("/subsystems/secret", methods=["GET"])
@guard.requires(admins.SYSTEM)
def subsystem_secret_shown():
    shown = secret_handover.take()
    response = make_response(render_template("admin/subsystem_secret.html", shown=shown))
    response.headers["Cache-Control"] = "no-store"
    return response
