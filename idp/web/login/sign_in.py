"""Where a proven login leads (login table, S1, R2): into the parked authorization request or
the personal center, or into the supplementation of a legacy account.

Shared by the password step (``login``) and the one-time-code step (``login_code``) so neither
imports the other's views.
"""

from __future__ import annotations

from flask import abort, redirect, url_for

from ...domain.models import User
from ...flows import pending, policy, supplement

# the organisations a handler may choose between after signing in, kept this long (seconds)
CHOICE_KEY, CHOICE_TTL = "handler_choice", 600


def finish(user: User, acting_for: dict | None, iid: str | None):
    """Sign the user in (acting for an organisation, for a handler) and go on: back into the
    parked authorization request, or to the personal center."""
    supplement.abandon_pending()
    if iid is None:
        policy.start_session(user, amr=["pwd"], acting_for=acting_for)
        return redirect(url_for("account.index"))
    ia = pending.load(iid)
    if ia is None:
        abort(404, description="interaction.expired")
    policy.complete_login(ia, user, amr=["pwd"], acting_for=acting_for)
    return policy.proceed(ia)


def start_supplement(account, iid: str | None):
    """S1: a proven legacy password of an unlinked account parks a supplementation in the
    sign-in's record; with a pending authorization request it becomes that request's next step,
    else (the personal center's ``/login``) its page opens directly."""
    ia = pending.load(iid) if iid else None
    if iid and ia is None:
        abort(404, description="interaction.expired")
    flow = supplement.start(account.id, account.kind, ia)
    if ia is None:
        return redirect(url_for("supplement.page", sid=flow.id))
    return policy.proceed(ia)
