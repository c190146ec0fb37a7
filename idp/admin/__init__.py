"""The admin area (issue 12): the office's side of the IdP, under ``/admin``.

Its own blueprint, templates, login (password + TOTP), session (cookie ``idp_admin``, Path
``/admin``, in the store) and roles. It stands on the domain, protocol, flows, adapters,
services and the words of ``idp.messages``, never on ``idp.web``, and nothing in ``idp`` imports
it but the app factory (``tests/test_layers.py``). Every route declares its roles
(``guard.requires``) or that it is public (``guard.public``: the login pages); a route without a
declaration refuses everyone (``tests/admin/test_admin_roles.py`` enumerates the blueprint's rules).

Modules: ``guard`` (roles, the session of the request, re-authentication), ``session`` (the
admin session in the store), ``throttle`` (login failures), ``auth`` (login, TOTP, enrolment,
re-authentication, logout), ``pages`` (home, my account), ``admins`` (the admin accounts, role
system), ``keys`` (the signing keys and their rotation, role system), ``sessions`` (a citizen's
SSO sessions, ended with back-channel logout, role system), ``subsystems``,
``subsystem_pages``, ``subsystem_forms`` and ``secret_handover`` (the subsystems: list, switch
on and off, register, edit, a new secret shown once; role system), ``reviews`` (the organisation
review queue, its PDFs and decisions, role reviewer), ``registers`` (import and browse the
agency and practitioner registers, role system), ``dashboard`` (the legacy migration's
figures, roles auditor and system), ``forms``, ``words``, ``times``
(Beijing time, ages), ``trail_pages`` (the audit trail for auditors), ``audit`` (every
admin action's audit trail entry).
"""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Add the admin blueprint. Called before ``idp.web.register``, which wraps every view of
    the app (these included) in the request's transaction and adds the security headers."""
    from . import (  # noqa: F401  (their views attach to the blueprint)
        admins,
        appeals,
        auth,
        dashboard,
        keys,
        pages,
        registers,
        reviews,
        sessions,
        subsystem_pages,
        subsystems,
        trail_pages,
    )
    from .blueprint import bp

    app.register_blueprint(bp)
