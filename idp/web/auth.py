"""Password login shared by the interaction login step and the personal-center login.

Failures are throttled per account and per client IP; a wrong password, an unknown identifier
and a locked account all produce the same message (no user enumeration).
"""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from ..domain import accounts, documents
from ..domain.throttle import LoginThrottle
from ..services import services

GENERIC_FAILURE = "账号或密码错误，或登录尝试过多已被暂时锁定。请稍后再试，或通过“忘记密码”重置。"


def throttle() -> LoginThrottle:
    svc = services()
    s = svc.settings
    return LoginThrottle(svc.store, svc.clock, max_failures=int(s["login.max_failures"]),
                         lock_seconds=int(s["login.lock_seconds"]),
                         lock_max_seconds=int(s["login.lock_max_seconds"]),
                         ip_factor=int(s["login.ip_factor"]))


def password_login(identifier: str, password: str):
    """Return (user, None) or (None, message)."""
    account = services().blind_index(documents.login_key(identifier), "throttle")
    ip = request.remote_addr or "unknown"
    limiter = throttle()
    if limiter.locked_for(account, ip):
        accounts.authenticate("", password)  # same cost whether locked or not
        return None, _(GENERIC_FAILURE)
    user = accounts.authenticate(identifier, password)
    if user is None:
        limiter.failure(account, ip)
        return None, _(GENERIC_FAILURE)
    limiter.success(account)
    return user, None
