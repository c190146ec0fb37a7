"""Organisation registration's state and its step 2: bind a handler (P3, Y2), then the done page
(S4–S6).

The state (``state()``: a ``code_flow.CookieState`` in the signed session) holds the flow id the
codes are bound to, the proven destinations and the id of the organisation created in this
browser (``organisation``). The handler pages are the shared ones of handler_binding.py; their
routes belong to the ``register_org`` blueprint, which org_registration.py passes to
``register`` (so neither module imports the other's names the other way round).
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, session, url_for

from ...domain.models import Organisation, User
from ...domain.models.organisation import AGENCY
from ...domain.models.user import PENDING_REVIEW
from ...extensions import db
from ..code_flow import CookieState
from . import handler_binding, return_to

FLOW, DONE = "register_org", "registered_org"


def state() -> CookieState:
    return CookieState(FLOW)


def organisation(current: CookieState) -> Organisation | None:
    """The organisation created in this browser's registration, if there is one."""
    org_id = current.get("org")
    return db.session.get(Organisation, org_id) if isinstance(org_id, int) else None


def _binding() -> handler_binding.Binding | None:
    current = state()
    org = organisation(current)
    if org is None:
        return None
    urls = {
        "page": url_for(".handler"),
        "page_new": url_for(".handler", mode="new"),
        "registered": url_for(".handler_registered"),
        "new": url_for(".handler_new"),
        "new_code": url_for(".handler_new_code"),
    }
    return handler_binding.Binding(org, current, urls, _finish)


def handler():
    b = _binding()
    return handler_binding.show(b) if b else redirect(url_for("register.choose"))


def handler_registered():
    b = _binding()
    return handler_binding.registered(b) if b else redirect(url_for("register.choose"))


def handler_new():
    b = _binding()
    return handler_binding.new(b, send_code=False) if b else redirect(url_for("register.choose"))


def handler_new_code():
    b = _binding()
    return handler_binding.new(b, send_code=True) if b else redirect(url_for("register.choose"))


def _finish(org: Organisation, person: User | None):
    session.pop(FLOW, None)
    # account_no: a foreign entity's login number, shown in full once, to its registrant (S5)
    session[DONE] = {
        "kind": org.kind,
        "foreign": bool(org.foreign),
        "name": org.name,
        "uscc": org.uscc_masked,
        "pending": org.user.status == PENDING_REVIEW,
        "account_no": org.account_no,
        "handler": person.name if person else None,
    }
    return redirect(url_for(".done"))


def done():
    info = session.get(DONE)
    if not info:
        return redirect(url_for("register.choose"))
    entry = "agency" if info["kind"] == AGENCY else "legal"
    login_url, client_name = return_to.login_link(entry)
    if info["pending"]:  # S5: no sign-in before the review: nothing to go back to yet
        login_url, client_name = url_for("account.login", entry=entry), None
    return render_template(
        "register/org/done.html",
        info=info,
        agency=info["kind"] == AGENCY,
        login_url=login_url,
        client_name=client_name,
    )


def register(bp: Blueprint) -> None:
    """Step 2 and the done page, on the registration's blueprint (``register_org.*``)."""
    bp.add_url_rule("/handler", view_func=handler, methods=["GET"])
    bp.add_url_rule("/handler/registered", view_func=handler_registered, methods=["POST"])
    bp.add_url_rule("/handler/new", view_func=handler_new, methods=["POST"])
    bp.add_url_rule("/handler/new/code", view_func=handler_new_code, methods=["POST"])
    bp.add_url_rule("/done", view_func=done, methods=["GET"])
