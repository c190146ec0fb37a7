"""Protocol endpoints. CSRF does not apply here: clients authenticate by their own means."""
from __future__ import annotations

import json

from flask import Blueprint, Response, g, redirect, render_template, request, session, url_for

from ..extensions import csrf
from ..flows import pending, policy
from ..protocol import authorize, end_session, keys, logout, metadata
from ..protocol.responses import authorization_error
from ..protocol.server import oauth_server
from ..protocol.userinfo import userinfo_response
from ..services import services
from . import signout
from .forms import ConfirmForm

bp = Blueprint("oidc", __name__)
csrf.exempt(bp)

JSON_HEADERS = {"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"}


@bp.get("/.well-known/openid-configuration")
@bp.get("/.well-known/oauth-authorization-server")
def discovery():
    s = services().settings
    body = metadata.discovery_json(s["issuer"], tuple(s["protocol.scopes_supported"]))
    return Response(body, mimetype="application/json", headers=JSON_HEADERS)


@bp.get("/jwks")
def jwks():
    return Response(keys.jwks_json(), mimetype="application/jwk-set+json", headers=JSON_HEADERS)


@bp.route("/authorize", methods=["GET", "POST"])
def authorize_endpoint():
    try:
        params, client, hint_sub = authorize.validate(request.values)
    except authorize.UnsafeRequest as exc:
        return render_template("errors/page.html", title="无法继续登录",
                               message=exc.message), 400
    except authorize.RedirectError as exc:
        return authorization_error(exc.params, exc.error, exc.description)
    ia = pending.create(params, client.client_id, hint_sub)
    return policy.proceed(ia)


@bp.post("/token")
def token():
    if not request.form.get("grant_type"):
        body = {"error": "invalid_request", "error_description": "Missing 'grant_type' parameter."}
        return Response(json.dumps(body), status=400, mimetype="application/json",
                        headers={"Cache-Control": "no-store", "Pragma": "no-cache"})
    return oauth_server().create_token_response()


@bp.route("/userinfo", methods=["GET", "POST"])
def userinfo():
    return userinfo_response()


@bp.post("/revoke")
def revoke():
    return oauth_server().create_endpoint_response("revocation")


@bp.post("/introspect")
def introspect():
    return oauth_server().create_endpoint_response("introspection")


@bp.route("/logout", methods=["GET", "POST"])
def end_session_endpoint():
    try:
        req = end_session.validate(request.values)
    except end_session.InvalidLogoutRequest as exc:
        return render_template("errors/page.html", title="无法完成退出", message=exc.message), 400
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
    client_name = req.client.name if req.client is not None else None
    return render_template("oidc/logout_confirm.html", form=ConfirmForm(), client_name=client_name,
                           action=url_for("account.logout_confirm"))
