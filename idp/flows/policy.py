"""The interaction policy: run the needed steps in order, then resume the parked request.

Until every step is done the user is not signed in for this request: no code is issued and
``prompt=none`` gets ``login_required`` / ``consent_required`` / ``interaction_required``
(OIDC Core §3.1.2.6) instead of a page.
"""

from __future__ import annotations

from typing import Any, NoReturn

from flask import abort, g, redirect, request, url_for
from werkzeug.wrappers import Response

from ..adapters.sessions import SessionStore, SsoSession
from ..domain import trail, vocab
from ..domain.models import User
from ..extensions import db
from ..protocol import codes, logout
from ..protocol.responses import authorization_error
from ..protocol.server import oauth_server, parked_request, query_client
from ..services import services
from . import pending
from .steps import AgreementStep, ConsentStep, Context, LoginStep, Step, SupplementStep

# The steps of a sign-in, in order: the first one needed gets its page; none left resumes the
# request. A new step is a ``Step`` in steps.py, its place here and its page's endpoint.
AGREEMENT = AgreementStep()
STEPS: tuple[Step, ...] = (LoginStep(), SupplementStep(), AGREEMENT, ConsentStep())

ACR_PASSWORD = vocab.ACR_PASSWORD
CLIENT_GONE = "interaction.client_disabled"  # words: web/messages.py PAGES


def sessions() -> SessionStore:
    return services().sessions


def current_session() -> SsoSession | None:
    if "sso" not in g:
        cookie = request.cookies.get(services().settings.session.cookie_name)
        g.sso = sessions().get(cookie)
    sso: SsoSession | None = g.sso
    return sso


def session_user(s: SsoSession | None) -> User | None:
    """The user of session ``s``: its row id and its subject must both match (issue 11). After
    a database restore that re-used ids, a session of someone else leads to the login page,
    never into another person's account."""
    user = db.session.get(User, s.user_id) if s is not None else None
    return user if user is not None and s is not None and user.sub == s.sub else None


def current_user() -> tuple[SsoSession, User] | tuple[None, None]:
    """(session, user) of the live SSO session with an active user, else (None, None)."""
    s = current_session()
    user = session_user(s)
    if s is None or user is None or not user.active:
        return None, None
    return s, user


def context(ia: pending.Interaction) -> Context | None:
    client = query_client(ia.client_id) if ia.client_id is not None else None
    if client is None:
        return None
    session = current_session()
    return Context(ia, client, session, session_user(session), services().clock.now())


def next_step(ctx: Context) -> Step | None:
    for step in STEPS:
        if step.needed(ctx):
            return step
    return None


def deny(ia: pending.Interaction, description: str) -> Response:
    """End the parked request with ``access_denied`` back at the subsystem (RFC 6749
    §4.1.2.1): the user declined or cancelled, or the account cannot sign in yet."""
    pending.finish(ia)
    return authorization_error(ia.params, "access_denied", description)


def client_gone(ia: pending.Interaction) -> NoReturn:
    """R1: the subsystem was disabled (or removed) while the user was signing in to it: the
    interaction ends here on a page that says so (``PAGES`` of idp/web/messages.py), never
    back at the disabled client."""
    pending.finish(ia)
    abort(404, description=CLIENT_GONE)


def proceed(ia: pending.Interaction) -> Response:
    """Go to the next needed step's page, or finish the authorization request."""
    ctx = context(ia)
    if ctx is None:
        client_gone(ia)
    step = next_step(ctx)
    if step is None:
        return resume(ctx)
    if "none" in ia.prompts:
        pending.finish(ia)
        return authorization_error(ia.params, step.prompt_error)
    return redirect(url_for(step.endpoint, iid=ia.id))


def resume(ctx: Context) -> Response:
    """Hand the parked request back to Authlib with the authenticated user: the code is issued."""
    ia, s = ctx.interaction, ctx.session
    assert s is not None  # no step is needed only with a live session (LoginStep)
    challenge = ia.params.get("code_challenge")
    if challenge and not codes.claim_challenge(ctx.client.client_id, challenge):
        pending.finish(ia)
        return authorization_error(
            ia.params, "invalid_request", "code_challenge was already used; send a fresh one"
        )
    req = parked_request(
        ia.params,
        {
            "auth_time": s.auth_time,
            "sid": s.sid,
            "amr": s.amr,
            "acr": s.acr,
            "acting_for": s.acting_for,
        },
    )
    server = oauth_server()
    grant = server.get_authorization_grant(req)
    response: Response = server.create_authorization_response(
        request=req, grant_user=ctx.user, grant=grant
    )
    sessions().add_client(s, ctx.client.client_id)
    pending.finish(ia)
    return response


def start_session(
    user: User,
    amr: list[str],
    acr: str = ACR_PASSWORD,
    acting_for: dict[str, Any] | None = None,
    client: str | None = None,
) -> SsoSession:
    """Start a fresh SSO session (new cookie id, session fixation) ending any previous one.
    ``acting_for`` names the organisation a handler signed in for (R2). Every sign-in of every
    entry passes here: the audit trail's successful logins are recorded here."""
    acting = (acting_for or {}).get("user_id")
    trail.record(trail.LOGIN_SUCCEEDED, subject=user.id, client=client, amr=amr, acting_for=acting)
    old = current_session()
    if old is not None:
        logout.end_session(old.key, "relogin")
    cookie, s = sessions().create(user.id, user.sub, services().now(), amr, acr, acting_for)
    g.sso, g.set_sso_cookie = s, cookie
    return s


def complete_login(
    ia: pending.Interaction,
    user: User,
    amr: list[str],
    acr: str = ACR_PASSWORD,
    acting_for: dict[str, Any] | None = None,
) -> None:
    """Record a successful login on the interaction and start a fresh SSO session."""
    start_session(user, amr, acr, acting_for, client=ia.client_id)
    ia.results["login"] = {"user_id": user.id, "sub": user.sub, "amr": list(amr), "acr": acr}
    pending.save(ia)


def complete_consent(ia: pending.Interaction, scopes: set[str]) -> None:
    ia.results["consent"] = {"scopes": sorted(scopes)}
    pending.save(ia)


def complete_agreement(ia: pending.Interaction, version: str) -> None:
    ia.results["agreement"] = {"version": version}
    pending.save(ia)
