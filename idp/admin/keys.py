"""The signing keys (issue 12, "Keys and sessions"; role ``system``): every key with its state
and age, and a rotation per algorithm through ``protocol.keys.rotate`` — the same operation as
``idp keys rotate``, never forced from here, so publish-before-sign holds (OIDC Core §10.1.1):
a ``next`` key published too recently is refused with the wait (``keys.next_too_new``) and
nothing changes but the refusal's audit entry (``admin.key_rotate``, result refused). Rotating asks for a fresh re-authentication; its ``key.rotated`` entry names
the administrator (``guard.requires`` sets the trail's actor)."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from sqlalchemy import case, select

from ..domain.admins import accounts as admins
from ..domain.errors import DomainError
from ..domain.models import SigningKey
from ..domain.models.key import CURRENT, NEXT, RETIRED
from ..domain.trail import events as trail_events
from ..extensions import db
from ..protocol import keys
from ..services import services
from . import guard, times
from .audit import admin_audit
from .blueprint import bp
from .forms import KeyRotateForm
from .words import message

_ORDER = case({CURRENT: 0, NEXT: 1, RETIRED: 2}, value=SigningKey.state)


def all_keys() -> list[SigningKey]:
    """Every stored key, by algorithm, then current, next, retired (newest first)."""
    return list(
        db.session.scalars(
            select(SigningKey).order_by(SigningKey.alg, _ORDER, SigningKey.created_at.desc())
        )
    )


def _page(error: str | None = None, status: int = 200):
    return render_template(
        "admin/keys.html",
        keys=all_keys(),
        algs=list(keys.ALGS),
        forms={alg: KeyRotateForm(formdata=None, alg=alg) for alg in keys.ALGS},
        now=services().now(),
        wait=times.age(keys.publication_wait()),
        rotated=request.args.get("rotated"),
        error=error,
        when=times.when,
        age=times.age,
    ), status


@bp.route("/keys", methods=["GET"])
@guard.requires(admins.SYSTEM)
def keys_list():
    keys.ensure_keys()  # a fresh installation shows the keys it will sign with
    return _page()


@bp.route("/keys/rotate", methods=["POST"])
@guard.requires(admins.SYSTEM)
@guard.fresh_required(back="admin.keys_list")
def keys_rotate():
    form = KeyRotateForm()
    if not form.validate_on_submit() or form.alg.data not in keys.ALGS:
        abort(400)
    try:
        promoted = keys.rotate(form.alg.data)
    except DomainError as exc:
        admin_audit(
            trail_events.ADMIN_KEY_ROTATE,
            result="refused",
            alg=form.alg.data,
            reason=exc.code,
            kid=exc.params.get("kid"),
            wait=round(exc.params.get("wait") or 0),
        )
        return _page(message(exc), 409)
    return redirect(url_for("admin.keys_list", rotated=promoted.kid))
