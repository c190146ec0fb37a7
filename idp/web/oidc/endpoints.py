"""Protocol endpoints. CSRF does not apply here: clients authenticate by their own means."""

from __future__ import annotations

from flask import Blueprint, Response, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from ...extensions import csrf
from ...flows import pending, policy
from ...protocol import authorize, end_session, keys, logout, metadata
from ...protocol.grants import GRANT_TYPES
from ...protocol.request_params import json_error, repeated
from ...protocol.responses import authorization_error
from ...protocol.server import oauth_server
from ...protocol.userinfo import userinfo_response
from ...services import services
from .. import messages
from ..client_ip import client_ip
from ..forms import ConfirmForm
from ..login import signout

bp = Blueprint("oidc", __name__)
csrf.exempt(bp)

JSON_HEADERS = {"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"}


@bp.get("/.well-known/openid-configuration")
@bp.get("/.well-known/oauth-authorization-server")
def discovery():
    settings = services().settings
    body = metadata.discovery_json(settings.issuer, settings.protocol.scopes_supported)
    return Response(body, mimetype="application/json", headers=JSON_HEADERS)


@bp.get("/jwks")
def jwks():
    """The published keys; relying parties may cache them ``protocol.jwks_cache_max_age``
    seconds, which is why ``idp keys rotate`` waits that long before a new key signs."""
    max_age = services().settings.protocol.jwks_cache_max_age
    headers = {**JSON_HEADERS, "Cache-Control": f"public, max-age={max_age}"}
    return Response(keys.jwks_json(), mimetype="application/jwk-set+json", headers=headers)


@bp.route("/authorize", methods=["GET", "POST"])
def authorize_endpoint():
    try:
        params, client, hint_sub = authorize.validate(request.values)
    except authorize.UnsafeRequest as exc:
        return _authorize_error_page(messages.message(exc))
    except authorize.RedirectError as exc:
        return authorization_error(exc.params, exc.error, exc.description)
    if not pending.room_for(client_ip()):
        return authorization_error(
            params,
            "temporarily_unavailable",
            "too many sign-in requests from this network; try again shortly",
        )
    ia = pending.create(params, client.client_id, hint_sub)
    return policy.proceed(ia)


def refuse_authorization(error: str, description: str):
    """Answer an authorization request refused before validation: back to the client when it
    and its exact redirect URI are established, else the error page (RFC 6749 §4.1.2.1)."""
    try:
        _, target = authorize.client_target(request.values)
    except authorize.UnsafeRequest as exc:
        return _authorize_error_page(messages.message(exc))
    return authorization_error(target, error, description)


def _authorize_error_page(message: str):
    return render_template("errors/page.html", title=_("无法继续登录"), message=message), 400


def _refused_parameters():
    """RFC 6749 §3.2: a parameter sent twice (body and query string count together)."""
    name = repeated(request.values)
    if name:
        return json_error("invalid_request", f"parameter '{name}' repeated")
    return None


@bp.post("/token")
def token():
    refused = _refused_parameters()
    if refused is not None:
        return refused
    grant_type = request.form.get("grant_type")
    if not grant_type:
        return json_error("invalid_request", "Missing 'grant_type' parameter.")
    if grant_type not in GRANT_TYPES:  # Authlib would echo it into the description
        return json_error("unsupported_grant_type", "this grant_type is not supported")
    return oauth_server().create_token_response()


@bp.route("/userinfo", methods=["GET", "POST"])
def userinfo():
    return userinfo_response()


@bp.post("/revoke")
def revoke():
    refused = _refused_parameters()
    if refused is not None:
        return refused
    return oauth_server().create_endpoint_response("revocation")


@bp.post("/introspect")
def introspect():
    refused = _refused_parameters()
    if refused is not None:
        return refused
    return oauth_server().create_endpoint_response("introspection")


@bp.route("/logout", methods=["GET", "POST"])
def end_session_endpoint():
    try:
        req = end_session.validate(request.values)
    except end_session.InvalidLogoutRequest as exc:
        return render_template(
            "errors/page.html", title=_("无法完成退出"), message=messages.message(exc)
        ), 400
    current, user = policy.current_user()
    if req.hint is not None and (current is None or req.hint["sub"] == user.sub):
        if current is not None:
            logout.end_session(current.key, "rp-initiated")
            g.clear_sso_cookie = True
        signout.forget_browser()
        if req.redirect_uri:
            return redirect(req.redirect_uri)
        return render_template("oidc/logged_out.html")
    if current is None:
        return render_template("oidc/logged_out.html")
    session["logout_redirect"] = req.redirect_uri
    if req.redirect_uri:
        g.form_redirect_origins = {pending.origin(req.redirect_uri)}
    client_name = req.client.name if req.client is not None else None
    return render_template(
        "oidc/logout_confirm.html",
        form=ConfirmForm(),
        client_name=client_name,
        action=url_for("account.logout_confirm"),
    )
