"""Password logins of the three entries of the login page (login table of domain.md, G1).

Shared by the interaction login step and the personal-center login. Per attempt, under the
counter of the ACCOUNT the identifier names (``domain.signin.login_keys``: every identifier of one
account, legacy ids included, shares it) and the client's address (docs/accounts.md, "Login
throttling and lockout"): a locked (account, address) pair or address gets the generic
message; then the captcha where one is asked for (always on the legal-person and agency
entries; on the personal entry after ``login.captcha_after_failures`` failures of this browser
or of this account) — a wrong captcha refuses the attempt without counting as a password
failure; then the password. A wrong password, an unknown identifier and a locked pair all
produce the same message (no enumeration); an organisation still under review (S5) is told so
only after its password matched. A correct password of an account whose failures reached
``login.code_after_failures`` is held back (``Outcome.step_up``) until the one-time code sent
to the account's verified mobile is entered (``login_code``); no one is ever locked out of
their own account from every address.

``legacy_attempt`` is the 历史账号 method of each entry (login table, L2–L6) under the same
throttle and captcha, with one failure message of its own (``LEGACY_FAILURE``, which points to
人工申诉, L10): the L2/L4 and entry refusals (P6, Y1) are said only after the legacy password
matched; a linked account signs in its user (L6); an unlinked one is handed back for
supplementation (S1).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import session
from flask_babel import lazy_gettext as _l

from ...domain import trail
from ...domain.accounts import users as accounts
from ...domain.legacy import login as legacy
from ...domain.models import LegacyAccount, Organisation, User
from ...domain.models.user import PENDING_REVIEW as REVIEW_STATUS
from ...domain.organisations import handlers
from ...domain.signin import login_code, login_keys
from ...domain.signin.throttle import CODE, NONE, LoginThrottle
from ...services import services
from .. import messages
from ..client_ip import client_ip
from .captcha import captcha_ok

GENERIC_FAILURE = _l(
    "账号或密码错误，或登录尝试过多已被暂时锁定。请稍后再试，或通过“忘记密码”重置。"
)
# the 历史账号 method's one failure answer (unknown account, wrong password, unusable hash,
# locked): its page links 人工申诉 too (L10)
LEGACY_FAILURE = _l(
    "历史账号或密码错误，或登录尝试过多已被暂时锁定。请稍后再试，或通过“忘记密码”"
    "重置历史账号密码；仍无法登录的，可提交人工申诉。"
)
CAPTCHA_WRONG = _l("验证码错误，请重新输入。")
PENDING_REVIEW = _l(
    "您的机构账号正在审核中（一般需要 1–2 个工作日），审核结果将以短信通知，审核通过后即可登录。"
)
NO_LEGAL_BINDING = _l(
    "您尚未被绑定为任何法人的经办人，请使用自然人入口登录，或请机构在个人中心绑定您为经办人。"
)
NO_AGENCY_BINDING = _l(
    "您尚未被绑定为任何代理机构的经办人。若您的机构已由法人变更为代理机构，"
    "需由机构重新绑定经办人后才能使用代理机构入口。"
)
BROWSER_FAILURES = "login_failures"


@dataclass
class Outcome:
    """The result of one attempt: a user (perhaps acting for an organisation), organisations to
    choose from (a handler bound to several), or an error message."""

    user: User | None = None
    error: str | None = None
    acting_for: dict | None = None
    organisations: list[Organisation] = field(default_factory=list)
    legacy: LegacyAccount | None = None  # an unlinked legacy account to supplement (S1)
    step_up: StepUp | None = None  # the sign-in waits for a one-time code first


@dataclass
class StepUp:
    """A correct password whose account asks for a one-time code before signing in."""

    key: str
    mobile: str


def throttle() -> LoginThrottle:
    svc = services()
    login = svc.settings.login
    return LoginThrottle(
        svc.store,
        svc.clock,
        max_failures=login.max_failures,
        lock_seconds=login.lock_seconds,
        lock_max_seconds=login.lock_max_seconds,
        ip_factor=login.ip_factor,
        captcha_after=login.captcha_after_failures,
        code_after=login.code_after_failures,
    )


def legacy_key(entry: str, identifier: str) -> str:
    """The throttle key of a legacy login: its account's (domain.signin.login_keys)."""
    return login_keys.for_legacy(entry, identifier)


def captcha_needed(entry: str, key: str | None = None) -> bool:
    """Always on the organisation entries; on the personal entry once this browser or the
    account (``key``) has failed ``login.captcha_after_failures`` times."""
    if entry != "personal":
        return True
    after = services().settings.login.captcha_after_failures
    if session.get(BROWSER_FAILURES, 0) >= after:
        return True
    return key is not None and throttle().bar(key) != NONE


def acting_for(org: Organisation) -> dict:
    """What the SSO session and the code record for a handler sign-in (R2)."""
    return {"user_id": org.user_id, "kind": org.kind}


def organisations_for(handler: User, entry: str) -> list[Organisation]:
    """The organisations a handler may act for from this entry (P3, P6)."""
    return [b.organisation for b in handlers.organisations_for_handler(handler, kind=entry)]


def password_login(identifier: str, password: str):
    """The personal entry's password login; returns (user, None) or (None, message)."""
    outcome = attempt("personal", "password", identifier, password, None)
    return outcome.user, outcome.error


def _guarded(
    entry: str,
    key: str,
    password: str,
    captcha_answer: str | None,
    check,
    failure=GENERIC_FAILURE,
    *,
    method: str,
    identifier: str,
):
    """Run ``check()`` (the password check: a result, or None when it failed) under the
    throttle and the captcha; returns (result, None) or (None, message) — ``failure`` for a
    failed check and a locked pair alike. A result is not yet a sign-in: ``_settle`` decides
    whether it needs a code first. Every entry's password and legacy logins pass here, so the
    audit trail's refused logins are recorded here (identifier masked)."""
    ip = client_ip()
    limiter = throttle()
    who = {"entry": entry, "method": method, "identifier": trail.mask(identifier)}
    if limiter.locked_for(key, ip):
        accounts.authenticate("", password)  # same cost whether locked or not
        trail.record(trail.LOGIN_LOCKED, result=trail.REFUSED, started=False, **who)
        return None, str(failure)
    if captcha_needed(entry, key=key) and not captcha_ok(captcha_answer):
        if entry == "personal":
            after = services().settings.login.captcha_after_failures
            session[BROWSER_FAILURES] = max(session.get(BROWSER_FAILURES, 0), after)
        return None, str(CAPTCHA_WRONG)
    result = check()
    if result is None:
        limiter.failure(key, ip)
        trail.record(trail.LOGIN_FAILED, result=trail.REFUSED, **who)
        # a lock takes over from the captcha: both counters start again after it
        locked = limiter.locked_for(key, ip)
        if locked:
            trail.record(trail.LOGIN_LOCKED, result=trail.REFUSED, started=True, **who)
        session[BROWSER_FAILURES] = 0 if locked else session.get(BROWSER_FAILURES, 0) + 1
        return None, str(failure)
    session.pop(BROWSER_FAILURES, None)
    return result, None


def _settle(
    outcome: Outcome,
    key: str,
    user: User | None = None,
    legacy_account: LegacyAccount | None = None,
) -> Outcome:
    """After a correct password: an outcome that signs in (or starts supplementation) clears
    the account's counter — unless the counter asks for a code and the account has a mobile
    for it; then the sign-in waits (``step_up``) and the counter stays until the code."""
    if outcome.error is not None:
        return outcome
    if throttle().bar(key) == CODE:
        mobile = login_code.mobile_for(user, legacy_account)
        if mobile:
            outcome.step_up = StepUp(key, mobile)
            return outcome
    passed(key)
    return outcome


def passed(key: str) -> None:
    """The sign-in of the account ``key`` completed from this address."""
    throttle().success(key, client_ip())


def attempt(
    entry: str, method: str, identifier: str, password: str, captcha_answer: str | None
) -> Outcome:
    organisation_entry = entry if entry != "personal" and method == "password" else None
    if organisation_entry:

        def check():
            return accounts.authenticate_organisation(identifier, organisation_entry, password)
    else:

        def check():
            return accounts.authenticate(identifier, password)

    key = login_keys.for_login(identifier, organisation_entry)
    user, error = _guarded(
        entry, key, password, captcha_answer, check, method=method, identifier=identifier
    )
    if user is None:
        return Outcome(error=error)
    return _settle(_signed_in(user, entry, method), key, user=user)


def _signed_in(user: User, entry: str, method: str) -> Outcome:
    if not user.active:
        return Outcome(error=str(PENDING_REVIEW))
    if method != "handler":
        return Outcome(user=user)
    orgs = organisations_for(user, entry)
    if not orgs:
        return Outcome(error=str(NO_AGENCY_BINDING if entry == "agency" else NO_LEGAL_BINDING))
    if len(orgs) == 1:
        return Outcome(user=user, acting_for=acting_for(orgs[0]))
    return Outcome(user=user, organisations=orgs)


def legacy_attempt(
    entry: str, identifier: str, password: str, captcha_answer: str | None
) -> Outcome:
    """The 历史账号 method (login table, L2–L6, S1; docs/legacy.md "Every answer of the legacy
    login"): one failure answer, ``LEGACY_FAILURE``; a refusal only after a matched password."""
    rows = legacy.named(entry, identifier)  # looked up once: the throttle key and the check
    key = login_keys.for_legacy(entry, identifier, rows)
    found, error = _guarded(
        entry,
        key,
        password,
        captcha_answer,
        lambda: legacy.authenticate(entry, identifier, password, rows),
        failure=LEGACY_FAILURE,
        method="legacy",
        identifier=identifier,
    )
    if found is None:
        return Outcome(error=error)
    if found.refusal:
        return Outcome(error=messages.text(found.refusal))
    if found.user is None:
        return _settle(Outcome(legacy=found.account), key, legacy_account=found.account)
    if found.user.active:
        return _settle(Outcome(user=found.user), key, user=found.user)
    if found.user.status == REVIEW_STATUS:
        return Outcome(error=str(PENDING_REVIEW))
    return Outcome(error=str(LEGACY_FAILURE))  # a deactivated user signs in no more (P4)
