"""Every admin route checks the role (issue 12, "Roles with separated duties"). The routes are
read from ``app.url_map``, so a route added later is covered without touching this file: each
must declare its roles (``guard.requires``) or be one of the public login pages, and each
refuses anonymous visitors (to the admin login) and every role it does not name (403)."""

from __future__ import annotations

import pytest

from adminkit import csrf, login, make_admin
from idp.admin import guard
from idp.domain.admins import accounts as admins

PUBLIC_ENDPOINTS = {"admin.login", "admin.second_factor", "admin.logout"}
ARGUMENTS = {"admin_id": 1, "client_id": "none", "action": "disable"}


def admin_routes(app):
    """(endpoint, method, url) of every rule of the admin blueprint."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin."):
            continue
        url = rule.build({a: ARGUMENTS.get(a, 1) for a in rule.arguments})[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, url))
    return found


def undeclared(app) -> list[str]:
    return sorted(
        {
            e
            for e, _m, _u in admin_routes(app)
            if getattr(app.view_functions[e], "admin_roles", None) is None
        }
    )


def test_the_blueprint_has_routes(app):
    assert len({e for e, _m, _u in admin_routes(app)}) >= 8


def test_every_admin_route_declares_its_roles_and_only_login_pages_are_public(app):
    assert undeclared(app) == []
    public = {
        e for e, _m, _u in admin_routes(app) if app.view_functions[e].admin_roles == guard.PUBLIC
    }
    assert public == PUBLIC_ENDPOINTS


def test_a_route_without_declared_roles_is_caught_and_refuses_everyone(app, client):
    app.add_url_rule("/admin/forgotten", endpoint="admin.forgotten", view_func=lambda: "open")
    assert undeclared(app) == ["admin.forgotten"]
    _, secret = make_admin("sysadm", admins.SYSTEM)
    login(client, "sysadm", secret)
    assert client.get("/admin/forgotten").status_code == 403


def _call(client, method, url, token):
    if method == "GET":
        return client.get(url)
    return client.open(url, method=method, data={"csrf_token": token})


def test_every_admin_route_refuses_anonymous_visitors(app, client):
    token = csrf(client.get("/admin/login"))
    wrong = []
    for endpoint, method, url in admin_routes(app):
        if endpoint in PUBLIC_ENDPOINTS:
            continue
        response = _call(client, method, url, token)
        if not (
            response.status_code == 302 and "/admin/login" in response.location
        ) and response.status_code not in (401, 403):
            wrong.append(f"{method} {url}: {response.status_code}")
    assert wrong == []


@pytest.mark.parametrize("role", admins.ROLES)
def test_every_admin_route_refuses_every_role_it_does_not_name(app, client, role):
    _, secret = make_admin(f"{role}1", role)
    login(client, f"{role}1", secret)
    token = csrf(client.get("/admin/account"))
    checked, wrong = 0, []
    for endpoint, method, url in admin_routes(app):
        roles = app.view_functions[endpoint].admin_roles
        if roles == guard.PUBLIC or role in roles:
            continue
        checked += 1
        response = _call(client, method, url, token)
        if response.status_code != 403:
            wrong.append(f"{method} {url}: {response.status_code}")
    assert wrong == []
    if role != admins.SYSTEM:
        assert checked > 0  # the admin pages are system's alone
    assert client.get("/admin/").status_code == 200  # still signed in: refusals end nothing


def test_the_subsystem_forms_are_in_the_role_tests_and_system_only(app):
    """R1: registering and editing a subsystem are among the routes the tests above call with
    every other role (403) and anonymously (to the login page)."""
    routes = {(e, m) for e, m, _u in admin_routes(app)}
    for endpoint in ("admin.subsystem_create", "admin.subsystem_edit"):
        assert {(endpoint, "GET"), (endpoint, "POST")} <= routes
        assert app.view_functions[endpoint].admin_roles == (admins.SYSTEM,)
