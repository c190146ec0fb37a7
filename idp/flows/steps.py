"""Interaction steps. Each says whether it is needed for this request and names its page by
endpoint string (so ``flows`` never imports ``web``); ``policy.STEPS`` lists them in order.

A legacy login waiting for its supplementation is a login in progress (S1): the login step is
not needed, the supplement step is, and nobody is signed in until it completes
(architecture.md, "The interaction record"). A step records what it established in the
interaction's ``results`` under its own name.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ..adapters.sessions import SsoSession
from ..domain.accounts import agreement
from ..domain.clients import consents
from ..domain.models import Client, User
from . import supplement
from .pending import Interaction


@dataclass
class Context:
    interaction: Interaction
    client: Client
    session: SsoSession | None
    user: User | None
    now: float

    @cached_property
    def pending_supplement(self) -> supplement.Supplement | None:
        """The legacy login of this browser waiting for its supplementation (read once per
        request: both the login and the supplement step ask)."""
        return supplement.pending_for(self.interaction)

    @property
    def requested_scopes(self) -> set[str]:
        return set(self.client.get_allowed_scope(self.interaction.params.get("scope")).split())


class Step:
    name = "step"
    endpoint = ""
    prompt_error = "interaction_required"

    def needed(self, ctx: Context) -> bool:
        raise NotImplementedError


class LoginStep(Step):
    """Needed without a live session, for ``prompt=login``, past ``max_age`` (OIDC Core §3.1.2.1)
    or when ``id_token_hint`` names someone else than the signed-in user."""

    name = "login"
    endpoint = "interaction.login"
    prompt_error = "login_required"

    def needed(self, ctx: Context) -> bool:
        ia = ctx.interaction
        if ctx.pending_supplement is not None:
            return False  # proven legacy password, supplementation pending: login in progress
        if ctx.session is None or ctx.user is None or not ctx.user.active:
            return True
        if ia.logged_in(ctx.user):
            return False
        if "login" in ia.prompts:
            return True
        max_age = ia.params.get("max_age")
        if max_age is not None and ctx.now - ctx.session.auth_time > int(max_age):
            return True
        return bool(ia.hint_sub and ia.hint_sub != ctx.user.sub)


class SupplementStep(Step):
    """Needed while a legacy login of this browser waits for its supplementation (S1, S8)."""

    name = "supplement"
    endpoint = "supplement.step"
    prompt_error = "interaction_required"

    def needed(self, ctx: Context) -> bool:
        return ctx.pending_supplement is not None


class AgreementStep(Step):
    """Needed when the signed-in user accepted an older version of the user agreement than the
    current one (S7: "您再次登录时需阅读并同意新版本"). A user with no recorded version is not
    asked: such accounts were made by the office's tools (import, demo), not by a person who
    accepted a text, and asking them would stop every such sign-in at once."""

    name = "agreement"
    endpoint = "interaction.agreement"
    prompt_error = "interaction_required"

    def needed(self, ctx: Context) -> bool:
        assert ctx.user is not None  # the login step before this one needs a signed-in user
        recorded = ctx.user.agreement_version
        return recorded is not None and recorded != agreement.current_version()


class ConsentStep(Step):
    """Needed unless the subsystem is first-party or the user already granted these scopes."""

    name = "consent"
    endpoint = "interaction.consent"
    prompt_error = "consent_required"

    def needed(self, ctx: Context) -> bool:
        ia = ctx.interaction
        if ctx.client.first_party or "consent" in ia.results:
            return False
        if "consent" in ia.prompts:
            return True
        assert ctx.user is not None  # the login step before this one needs a signed-in user
        return not consents.covers(ctx.user.id, ctx.client.client_id, ctx.requested_scopes)
