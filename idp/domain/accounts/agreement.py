"""The user service agreement (《国家知识产权局统一身份认证系统用户服务协议》, rules S2, S7).

The current version is the setting ``agreement.version``; its text is the template
``agreement/<version>.html`` (idp/web/templates), so a new version is a new file plus a changed
setting. Acceptance is recorded on the user (version and time, S7) inside the caller's
transaction; a user whose recorded version is not the current one has not accepted it (the
agreement interaction step can ask them again).
"""

from __future__ import annotations

import re

from ...services import services
from ..models import User
from ..models._types import from_timestamp

TITLE = "国家知识产权局统一身份认证系统用户服务协议"
_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.\-]{0,19}")  # fits users.agreement_version


def current_version() -> str:
    version = services().settings.agreement.version
    if not _VERSION.fullmatch(version):
        raise ValueError("agreement.version must be 1-20 letters, digits, dots or hyphens")
    return version


def template_name(version: str | None = None) -> str:
    return f"agreement/{version or current_version()}.html"


def record_acceptance(user: User, version: str | None = None) -> None:
    """Note that ``user`` accepted ``version`` (default: the current one) now; no commit."""
    user.agreement_version = version or current_version()
    user.agreement_accepted_at = from_timestamp(services().clock.now())


def accepted_current(user: User) -> bool:
    return user.agreement_version == current_version() and user.agreement_accepted_at is not None
