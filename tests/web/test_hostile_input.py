"""Hostile input (docs/protocol.md, "Hostile input"): a NUL, a lone surrogate or an invalid
UTF-8 percent-encoding in any parameter of any endpoint is a 400 in the endpoint's usual error
shape, never a 500 from the database.

The table names how to call every endpoint of the app; an endpoint added without a row fails
``test_every_endpoint_is_in_the_table``, so none can be forgotten.
"""

from __future__ import annotations

import base64
import io
import json
from urllib.parse import urlencode

import pytest

from support import REDIRECT, form_fields, query

# endpoint -> (method, path, a parameter the endpoint reads, after any it needs first)
CALLS = {
    "account.agency": ("POST", "/account/agency", "name"),
    "account.change_email": ("POST", "/account/email", "email"),
    "account.change_mobile": ("POST", "/account/mobile", "mobile"),
    "account.change_password": ("POST", "/account/password", "password"),
    "account.deactivate": ("POST", "/account/deactivate", "password"),
    "account.end_one_session": ("POST", "/account/sessions/end", "sid"),
    "account.handler_confirm": ("POST", "/account/handlers/confirm", "code"),
    "account.handler_find": ("POST", "/account/handlers/find", "mobile"),
    "account.handler_register": ("POST", "/account/handlers/register", "name"),
    "account.handler_register_code": ("POST", "/account/handlers/register/code", "mobile"),
    "account.handler_unbind": ("POST", "/account/handlers/unbind", "sub"),
    "account.handlers_page": ("GET", "/account/handlers", "q"),
    "account.home": ("GET", "/", "q"),
    "account.index": ("GET", "/account", "q"),
    "account.legacy": ("POST", "/account/legacy", "legacy_id"),
    "account.login": ("POST", "/login", "identifier"),
    "account.logout_confirm": ("POST", "/logout/confirm", "csrf_token"),
    "account.logout_start": ("GET", "/logout/start", "q"),
    "account.realname_upgrade": ("POST", "/account/realname", "id_number"),
    "account.reauth": ("POST", "/account/reauth", "password"),
    "account.security": ("GET", "/account/security", "q"),
    "account.sessions_list": ("GET", "/account/sessions", "q"),
    "account.withdraw_consent": ("POST", "/account/consents/withdraw", "client_id"),
    "admin.account": ("POST", "/admin/account", "current_password"),
    "admin.admin_create": ("POST", "/admin/admins/new", "username"),
    "admin.admin_disable": ("POST", "/admin/admins/1/disable", "csrf_token"),
    "admin.admin_list": ("GET", "/admin/admins", "q"),
    "admin.migration": ("GET", "/admin/migration", "q"),
    "admin.registers_browse": ("GET", "/admin/registers", "q"),
    "admin.registers_import_page": ("POST", "/admin/registers/import", "kind"),
    "admin.admin_reset_totp": ("POST", "/admin/admins/1/reset-totp", "csrf_token"),
    "admin.appeal_case": ("GET", "/admin/appeals/1", "q"),
    "admin.appeal_correct": ("POST", "/admin/appeals/1/correct", "name"),
    "admin.appeal_file": ("GET", "/admin/appeals/1/files/1", "q"),
    "admin.appeal_link": ("POST", "/admin/appeals/1/link", "reason"),
    "admin.appeal_reject": ("POST", "/admin/appeals/1/reject", "reason"),
    "admin.appeal_reveal": ("GET", "/admin/appeals/1/reveal", "q"),
    "admin.appeals_list": ("GET", "/admin/appeals", "status"),
    "admin.home": ("GET", "/admin/", "q"),
    "admin.keys_list": ("GET", "/admin/keys", "q"),
    "admin.keys_rotate": ("POST", "/admin/keys/rotate", "alg"),
    "admin.login": ("POST", "/admin/login", "username"),
    "admin.logout": ("POST", "/admin/logout", "csrf_token"),
    "admin.reauth": ("POST", "/admin/reauth", "password"),
    "admin.review_case": ("GET", "/admin/reviews/1", "q"),
    "admin.review_decide": ("POST", "/admin/reviews/1/decide", "reason"),
    "admin.review_file": ("GET", "/admin/reviews/1/files/1", "q"),
    "admin.review_reveal": ("GET", "/admin/reviews/1/reveal", "q"),
    "admin.reviews_list": ("GET", "/admin/reviews", "kind"),
    "admin.second_factor": ("POST", "/admin/login/code", "code"),
    "admin.sessions_end": ("POST", "/admin/sessions/end", "target"),
    "admin.sessions_lookup": ("POST", "/admin/sessions", "query"),
    "admin.subsystem_create": ("POST", "/admin/subsystems/new", "redirect_uris"),
    "admin.subsystem_edit": ("POST", "/admin/subsystems/x/edit", "jwks"),
    "admin.subsystem_reset_secret": ("POST", "/admin/subsystems/x/secret", "csrf_token"),
    "admin.subsystem_secret_shown": ("GET", "/admin/subsystems/secret", "q"),
    "admin.subsystem_switch": ("POST", "/admin/subsystems/x/disable", "csrf_token"),
    "admin.subsystems_list": ("GET", "/admin/subsystems", "q"),
    "admin.trail": ("GET", "/admin/audit", "event"),
    "admin.trail_csv": ("GET", "/admin/audit.csv", "event"),
    "appeal.done": ("GET", "/appeal/done", "q"),
    "appeal.open_appeal": ("POST", "/appeal", "legacy_id"),
    "appeal.send_code": ("POST", "/appeal/codes/sms", "phone"),
    "appeal.status": ("POST", "/appeal/status", "number"),
    "captcha.audio": ("GET", "/captcha/audio", "v"),
    "captcha.image": ("GET", "/captcha/abc.png", "v"),
    "captcha.new": ("GET", "/captcha/new", "v"),
    "captcha.sound": ("GET", "/captcha/abc.wav", "v"),
    "dev.outbox": ("GET", "/dev/outbox", "q"),
    "divisions.children": ("GET", "/divisions/110000/children", "q"),
    "divisions.provinces": ("GET", "/divisions", "q"),
    "interaction.abort": ("POST", "/interaction/abc/abort", "csrf_token"),
    "interaction.agreement": ("POST", "/interaction/abc/agreement", "agreed"),
    "interaction.consent": ("POST", "/interaction/abc/consent", "approve"),
    "interaction.login": ("POST", "/interaction/abc/login", "identifier"),
    "interaction.resume": ("GET", "/interaction/abc", "q"),
    "legacy_password.reset": ("POST", "/login/forgot/legacy/reset", "code"),
    "legacy_password.start": ("POST", "/login/forgot/legacy", "legacy_id"),
    "locale.switch": ("GET", "/lang/en", "next"),
    "locale.text_size": ("POST", "/display/text", "size"),
    "login.choose": ("POST", "/login/organisation", "identifier"),
    "login.code": ("POST", "/login/code", "code"),
    "login.forgot": ("POST", "/login/forgot", "identifier"),
    "login.help_page": ("GET", "/help/login", "q"),
    "oidc.authorize_endpoint": ("GET", "/authorize", "login_hint"),
    "oidc.discovery": ("GET", "/.well-known/openid-configuration", "q"),
    "oidc.end_session_endpoint": ("GET", "/logout", "client_id"),
    "oidc.introspect": ("POST", "/introspect", "token"),
    "oidc.jwks": ("GET", "/jwks", "q"),
    "oidc.revoke": ("POST", "/revoke", "token"),
    "oidc.token": ("POST", "/token", "grant_type=client_credentials&client_id"),
    "oidc.userinfo": ("POST", "/userinfo", "access_token"),
    "password_reset.reset_page": ("POST", "/login/forgot/reset", "code"),
    "register.choose": ("POST", "/register", "kind"),
    "register.done": ("GET", "/register/done", "q"),
    "register.person": ("POST", "/register/person", "name"),
    "register.send_code": ("POST", "/register/codes/sms", "phone"),
    "register.show_agreement": ("GET", "/agreement", "q"),
    "register_org.agency_notice": ("POST", "/register/org/agency/notice", "agreed"),
    "register_org.details": ("POST", "/register/org/legal", "uscc"),
    "register_org.done": ("GET", "/register/org/done", "q"),
    "register_org.handler": ("GET", "/register/org/handler", "q"),
    "register_org.handler_new": ("POST", "/register/org/handler/new", "name"),
    "register_org.handler_new_code": ("POST", "/register/org/handler/new/code", "phone"),
    "register_org.handler_registered": ("POST", "/register/org/handler/registered", "mobile"),
    "register_org.send_code": ("POST", "/register/org/legal/codes/sms", "phone"),
    "static": ("GET", "/static/app.css", "v"),
    "supplement.cancel": ("POST", "/supplement/abc/cancel", "csrf_token"),
    "supplement.handler": ("GET", "/supplement/abc/handler", "q"),
    "supplement.handler_new": ("POST", "/supplement/abc/handler/new", "name"),
    "supplement.handler_new_code": ("POST", "/supplement/abc/handler/new/code", "phone"),
    "supplement.handler_registered": ("POST", "/supplement/abc/handler/registered", "mobile"),
    "supplement.done": ("GET", "/supplement/done", "q"),
    "supplement.org_notice": ("POST", "/supplement/abc/notice", "agreed"),
    "supplement.org_return": ("POST", "/supplement/done/return", "csrf_token"),
    "supplement.org_send_code": ("POST", "/supplement/abc/org/codes/sms", "phone"),
    "supplement.page": ("POST", "/supplement/abc", "id_number"),
    "supplement.send_code": ("POST", "/supplement/abc/codes/sms", "phone"),
    "supplement.step": ("GET", "/interaction/abc/supplement", "q"),
}
OAUTH_JSON = {"oidc.token", "oidc.introspect", "oidc.revoke", "oidc.discovery", "oidc.jwks"}
# percent-encoded on the wire: a NUL, an encoded lone surrogate, a byte that is not UTF-8
HOSTILE = {"nul": "a%00b", "surrogate": "a%ED%A0%80b", "invalid-utf8": "a%FFb"}
MESSAGE = "请求中含有无法处理的字符"


def send(client, method, path, body, headers=None):
    if method == "GET":
        return client.get(path, query_string=body, headers=headers)
    return client.post(
        path, data=body, headers=headers, content_type="application/x-www-form-urlencoded"
    )


def assert_refused(endpoint, response):
    assert response.status_code == 400, (endpoint, response.status_code)
    if endpoint in OAUTH_JSON:
        assert response.get_json()["error"] == "invalid_request"
    elif endpoint == "oidc.userinfo":
        assert response.get_json()["error"] == "invalid_request"
        assert 'error="invalid_request"' in response.headers["WWW-Authenticate"]
    else:
        assert response.mimetype == "text/html"
        assert MESSAGE in response.get_data(as_text=True)


def test_every_endpoint_is_in_the_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(CALLS) == set(), "add a row to CALLS for each new endpoint"
    assert set(CALLS) - endpoints == set()


@pytest.mark.parametrize("kind", sorted(HOSTILE))
@pytest.mark.parametrize("endpoint", sorted(set(CALLS) - {"oidc.authorize_endpoint"}))
def test_unstorable_text_in_a_parameter_is_a_400(client, endpoint, kind):
    method, path, field = CALLS[endpoint]
    response = send(client, method, path, f"{field}={HOSTILE[kind]}")
    assert_refused(endpoint, response)


@pytest.mark.parametrize(
    "endpoint",
    [
        "account.login",
        "interaction.login",
        "register.person",
        "oidc.end_session_endpoint",
        "oidc.token",
    ],
)
def test_nul_in_a_parameter_name_is_a_400(client, endpoint):
    method, path, field = CALLS[endpoint]
    assert_refused(endpoint, send(client, method, path, f"{field}%00=x"))


def test_nul_in_a_path_segment_is_a_400(client):
    assert_refused("divisions.children", client.get("/divisions/11%000000/children"))
    assert_refused("interaction.resume", client.get("/interaction/a%00b"))


def test_nul_in_the_sso_cookie_is_a_400(client):
    client.set_cookie("idp_sso", "a\x00b")
    assert_refused("account.index", client.get("/account"))


def test_hostile_page_speaks_english_when_asked(client):
    response = client.post(
        "/login",
        data="identifier=a%00b",
        headers={"Accept-Language": "en"},
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "cannot be processed" in response.get_data(as_text=True)


def test_hostile_authorization_request_goes_back_to_a_registered_client(client, rp):
    for kind, value in HOSTILE.items():
        response = client.get(
            "/authorize",
            query_string=(
                f"response_type=code&client_id={rp.client_id}&redirect_uri={REDIRECT}"
                f"&state=s-1&login_hint={value}"
            ),
        )
        assert response.status_code == 302, kind
        got = query(response.location)
        assert response.location.startswith(REDIRECT + "?")
        assert got["error"] == "invalid_request" and got["state"] == "s-1"


def test_hostile_state_is_not_echoed(client, rp):
    response = client.get(
        "/authorize",
        query_string=(
            f"response_type=code&client_id={rp.client_id}&redirect_uri={REDIRECT}&state=a%00b"
        ),
    )
    assert response.status_code == 302
    assert query(response.location)["error"] == "invalid_request"
    assert "state" not in query(response.location)


@pytest.mark.parametrize("field", ["client_id", "redirect_uri"])
def test_hostile_client_or_redirect_uri_gets_the_error_page(client, rp, field):
    values = {"client_id": rp.client_id, "redirect_uri": REDIRECT, field: "a%00b"}
    response = client.get(
        "/authorize",
        query_string=(
            f"response_type=code&client_id={values['client_id']}"
            f"&redirect_uri={values['redirect_uri']}&state=s-1"
        ),
    )
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert response.mimetype == "text/html"


@pytest.mark.parametrize(
    "raw", [b"a%00b:secret", b"a\x00b:secret", b"\xff\xfe:secret", b"a:%ED%A0%80"]
)
def test_hostile_basic_credentials_are_a_400(client, raw):
    header = "Basic " + base64.b64encode(raw).decode()
    response = client.post(
        "/token", data={"grant_type": "client_credentials"}, headers={"Authorization": header}
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_hostile_issuer_in_a_client_assertion_is_invalid_client(client):
    """The unverified ``iss`` of a private_key_jwt assertion names the client to look up."""

    def part(value):
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    assertion = ".".join(
        [
            part({"alg": "RS256", "typ": "JWT"}),
            part({"iss": "a\x00b", "sub": "a\x00b", "aud": "x", "exp": 2e9, "jti": "j"}),
            "c2ln",
        ]
    )
    response = client.post(
        "/token",
        data={
            "grant_type": "client_credentials",
            "client_assertion": assertion,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        },
    )
    assert response.status_code in (400, 401)  # 401 only for Basic (RFC 6749 §5.2)
    assert response.get_json()["error"] == "invalid_client"


def test_clean_form_still_reaches_the_view(client):
    """The check reads the raw body first; the view must still see the parsed form (a wrong
    password is answered on the login page, so the CSRF token and fields arrived)."""
    action, hidden = form_fields(client.get("/login").get_data(as_text=True))
    body = urlencode({**hidden, "identifier": "13800138000", "password": "wrong-Pass-1"})
    response = client.post(action, data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert 'id="password-error"' in response.get_data(
        as_text=True
    ) or 'role="alert"' in response.get_data(as_text=True)
    assert MESSAGE not in response.get_data(as_text=True)


@pytest.mark.parametrize("field,filename", [("a\x00b", "doc.pdf"), ("name", "a\x00b.pdf")])
def test_nul_in_a_multipart_field_or_file_name_is_a_400(client, field, filename):
    response = client.post(
        "/register/org/foreign",
        content_type="multipart/form-data",
        data={field: "x", "licence": (io.BytesIO(b"%PDF-1.4\n"), filename)},
    )
    assert_refused("register_org.details", response)


def test_nul_in_the_client_address_is_a_400(client):
    """Behind a proxy the client address comes from a header (X-Forwarded-For) and is used as a
    key of the per-IP limits."""
    response = client.get("/login", environ_base={"REMOTE_ADDR": "10.0.0.1\x00"})
    assert_refused("account.login", response)
