"""Registering and editing a subsystem on the admin pages (R1; role system): the domain
operations ``idp clients create`` and ``edit`` call (``registry.create_client``,
``registry.update_client``). They run the one check of a client's metadata and write
``client.created`` / ``client.updated`` with the administrator as actor (``guard.requires``),
never a secret, so the pages audit nothing more. A new confidential client's secret, and the
one an edit gives a client that moves to a secret method, is shown once through
``secret_handover``. Both pages ask for the password and a code again when the last proof is
old (``guard.fresh_required``), as a secret reset does: an edit can send a client's codes to
other redirect URIs or give it a new secret."""

from __future__ import annotations

from dataclasses import asdict

from flask import abort, redirect, render_template, url_for

from ..domain.admins import accounts as admins
from ..domain.clients import registry
from ..domain.errors import DomainError
from ..domain.models import Client
from . import guard, secret_handover
from . import subsystem_forms as forms
from .blueprint import bp


@bp.route("/subsystems/new", methods=["GET", "POST"])
@guard.requires(admins.SYSTEM)
@guard.fresh_required(back="admin.subsystem_create")
def subsystem_create():
    """R1: a new subsystem, switched off unless "立即启用" is ticked (its batch joins later)."""
    form = forms.NewSubsystemForm(data=forms.initial(registry.Spec(name="")))
    error = None
    if form.validate_on_submit():
        try:
            spec = forms.spec_from(form)
            client, secret = registry.create_client(**asdict(spec), enabled=form.enable_now.data)
        except DomainError as exc:
            error = forms.refuse(form, exc)
        else:
            if secret:
                return secret_handover.show_once(client.client_id, secret, secret_handover.CREATED)
            return redirect(url_for("admin.subsystems_list", done="created"))
    return _page(form, error, None)


@bp.route("/subsystems/<client_id>/edit", methods=["GET", "POST"])
@guard.requires(admins.SYSTEM)
@guard.fresh_required(back="admin.subsystems_list")
def subsystem_edit(client_id: str):
    """R1: the metadata of a subsystem; its client_id, state and secret stay (a secret appears
    or goes only with a change of authentication method, ``registry.update_client``)."""
    client = registry.get(client_id)
    if client is None:
        abort(404)
    form = forms.SubsystemForm(data=forms.initial(registry.spec_of(client)))
    error = None
    if form.validate_on_submit():
        try:
            _client, secret = registry.update_client(client_id, forms.spec_from(form))
        except DomainError as exc:
            error = forms.refuse(form, exc)
        else:
            if secret:
                return secret_handover.show_once(client_id, secret, secret_handover.UPDATED)
            return redirect(url_for("admin.subsystems_list", done="updated"))
    return _page(form, error, client)


def _page(form: forms.SubsystemForm, error: str | None, client: Client | None):
    status = 400 if error or form.errors else 200
    return render_template(
        "admin/subsystem_form.html", form=form, error=error, client=client
    ), status
