"""Registering from a sign-in comes back to it (issue 13, "coming back to the subsystem").

The login page of a pending sign-in links to registration with its interaction id; the id is
kept in the signed session only if it names a sign-in of this browser (``pending.load``: a
link carrying someone else's id leads nowhere), and the registration's done page then leads
to that sign-in's login page — of the entry the new account uses — instead of the personal
center's. Without one, or once it has expired, the done page leads to the center's login.
"""

from __future__ import annotations

from flask import session, url_for

from ...domain.clients import registry
from ...flows import pending

KEY = "register_return"


def remember(iid: str | None) -> None:
    ia = pending.load(iid)
    if ia is not None and ia.has_request:
        session[KEY] = ia.id


def login_link(entry: str = "personal") -> tuple[str, str | None]:
    """(URL of the login to go to, name of the subsystem it signs in to, if any)."""
    query = {"entry": entry} if entry != "personal" else {}
    ia = pending.load(session.get(KEY))
    if ia is None or not ia.has_request:
        session.pop(KEY, None)
        return url_for("account.login", **query), None
    client = registry.get(ia.client_id) if ia.client_id else None
    return url_for("interaction.login", iid=ia.id, **query), client.name if client else None
