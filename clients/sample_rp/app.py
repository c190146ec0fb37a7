"""The Flask app of a sample subsystem: sign in, show who, sign out, back-channel logout.

``create_app(subsystem, config)`` builds it for one ``Subsystem`` (configuration: ``subsystem``).
It signs in with the authorization code flow + PKCE S256 through Authlib's Flask client (state,
nonce, the ID token's signature and claims; RFC 9207 ``iss``), shows the user from the ID token
and UserInfo — name, user type, ``sub``, organisation, for a handler whom it acts for
(``acting_for``, R2) and the linked legacy account (L6) — links to the other samples, signs out
with RP-Initiated Logout 1.0 and honours Back-Channel Logout 1.0, which is why its sessions are
server-side (``sessions.py``).

Plain http needs no AUTHLIB_INSECURE_TRANSPORT here: Authlib 1.9 checks transport only on the
server side (and exempts loopback hosts there); its client never does. Use https beyond loopback.
"""

from __future__ import annotations

import hmac

import requests
from authlib.integrations.flask_client import OAuth, OAuthError
from flask import Flask, redirect, render_template, request, session
from joserfc.errors import JoseError

from . import backchannel, who
from .sessions import ServerSessionInterface, SessionStore
from .subsystem import Subsystem, load_config

ERRORS = {
    "access_denied": "您拒绝了授权或取消了登录，未登录本系统。",
    "login_required": "需要先在统一身份认证登录。",
    "consent_required": "需要您先同意授权。",
    "interaction_required": "需要您在统一身份认证完成操作。",
    "temporarily_unavailable": "统一身份认证暂时不可用，请稍后再试。",
    "server_error": "统一身份认证出现错误，请稍后再试。",
}


def create_app(subsystem: Subsystem, config: dict | None = None) -> Flask:
    conf = load_config(subsystem, config)
    base = conf["base_url"]
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=conf["secret_key"],
        SESSION_COOKIE_NAME=subsystem.cookie,
        SESSION_COOKIE_SECURE=base.startswith("https://"),
        TM=conf,
    )

    @app.context_processor
    def look():  # every page: the subsystem's name, batch, colour and line
        return {"subsystem": subsystem}

    store = SessionStore(lifetime=8 * 3600)
    app.session_interface = ServerSessionInterface(store)
    replay = backchannel.ReplayCache()
    oauth = OAuth(app)
    idp = oauth.register(
        "idp",
        client_id=conf["client_id"],
        client_secret=conf["client_secret"],
        server_metadata_url=conf["issuer"] + "/.well-known/openid-configuration",
        client_kwargs={
            "scope": "openid profile email phone trademark",
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_basic",
            "default_timeout": 10,
        },
    )

    def csrf_token() -> str:  # bound to the session id, which changes at every sign-in
        return hmac.new(
            conf["secret_key"].encode(), (session.sid or "").encode(), "sha256"
        ).hexdigest()

    def metadata() -> dict:
        meta = idp.load_server_metadata()
        if meta.get("issuer") != conf["issuer"]:  # OIDC Discovery 1.0 §4.3
            raise RuntimeError(
                f"discovery says issuer {meta.get('issuer')!r}, expected {conf['issuer']!r}"
            )
        return meta

    def failed(message: str, status: int = 400):
        return render_template("error.html", message=message), status

    @app.errorhandler(requests.RequestException)
    def idp_unreachable(exc):
        app.logger.warning("identity provider unreachable: %s", exc)
        if request.path == "/backchannel-logout":  # the IdP retries later
            return {"error": "temporarily_unavailable"}, 503
        return failed("统一身份认证暂时无法访问，请稍后再试。", 503)

    @app.after_request
    def no_store(response):
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.get("/")
    def index():
        notice = None
        if request.args.get("state"):  # back from the IdP's end_session_endpoint
            try:
                idp.validate_logout_response()
                notice = "您已退出本系统和统一身份认证。"
            except OAuthError:
                notice = "退出返回的 state 无效，已忽略。"
        user = session.get("user")
        return render_template(
            "index.html",
            user=user,
            who=who.summary(user) if user else None,
            peers=conf["peers"],
            notice=notice,
            csrf=csrf_token() if user else None,
        )

    @app.get("/login")
    def login():
        if session.get("user"):  # signed in here already (a link from another sample)
            return redirect(base + "/")
        metadata()
        return idp.authorize_redirect(base + "/callback")

    @app.get("/callback")
    def callback():
        state = request.args.get("state", "")
        if not state or idp.framework.get_state_data(session, state) is None:
            return failed("登录请求已失效或不是从本系统发起的，请重新登录。")
        meta = metadata()
        iss = request.args.get("iss")
        # RFC 9207 §2.4: with an IdP that sends "iss", a response without the right one is
        # refused (mix-up defence). Authlib's client does not check it, so we do.
        iss_required = meta.get("authorization_response_iss_parameter_supported")
        if iss != meta["issuer"] and (iss or iss_required):
            idp.framework.clear_state_data(session, state)
            return failed("登录响应的签发方（iss）不符，已拒绝。")
        if request.args.get("error"):
            idp.framework.clear_state_data(session, state)
            code = request.args["error"]
            return failed(ERRORS.get(code, f"登录未完成（{code}）。"))
        try:
            token = idp.authorize_access_token()  # state, PKCE, ID token signature and nonce
            info = dict(idp.userinfo(token=token))
        except (OAuthError, JoseError, requests.RequestException, ValueError) as exc:
            app.logger.warning("sign-in failed: %s", exc)
            return failed("登录未完成：无法验证统一身份认证返回的令牌，请重新登录。")
        claims = dict(token["userinfo"])
        if info.get("sub") != claims["sub"]:  # OIDC Core §5.3.2
            return failed("用户信息与 ID Token 不属于同一用户，已拒绝。")
        session.clear()
        session.rotate = True
        session["user"] = {
            "sub": claims["sub"],
            "sid": claims.get("sid"),
            "name": info.get("name") or claims.get("name") or claims["sub"],
            "id_token": token["id_token"],
            "claims": claims,
            "userinfo": info,
        }
        return redirect(base + "/")

    @app.post("/logout")
    def logout():
        user = session.get("user")
        if user is None:
            return redirect(base + "/")
        if not hmac.compare_digest(request.form.get("csrf", ""), csrf_token()):
            return failed("页面已过期，请返回首页重新退出。")
        session.clear()
        session.rotate = True
        return idp.logout_redirect(
            post_logout_redirect_uri=base + "/", id_token_hint=user["id_token"]
        )

    @app.post("/backchannel-logout")
    def backchannel_logout():
        meta = metadata()
        try:
            claims = backchannel.validate(
                request.form.get("logout_token", ""),
                issuer=meta["issuer"],
                client_id=conf["client_id"],
                replay=replay,
                jwks=lambda force: idp.fetch_jwk_set(force=force),
                algorithms=meta.get("id_token_signing_alg_values_supported") or ["RS256"],
            )
        except backchannel.InvalidLogoutToken as exc:
            app.logger.warning("logout token refused: %s", exc)
            return {"error": "invalid_request", "error_description": "invalid logout token"}, 400
        ended = store.end_signed_in(claims.get("sid"), claims.get("sub"))
        app.logger.info("back-channel logout ended %d session(s)", ended)
        return "", 200

    return app
