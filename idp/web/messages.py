"""What the pages say for an error code, in the visitor's language (issue 10, item 5).

The domain and the protocol refuse with codes (``idp/domain/errors.py``); their Chinese words
are the table of ``idp/messages.py`` and their English the catalogue's. Views call ``message``
with the caught error (or a bare code), ``each`` with a mapping of field -> reason, ``text`` with
a code and its parameters. The words only the web layer says itself live here: the consent
page's scope labels and the 404 answers that name what expired (``PAGES``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from .. import messages
from ..messages import Coded

SCOPE_LABELS = {
    "openid": _l("确认您的身份（唯一用户标识）"),
    "profile": _l("姓名、用户类型、认证状态、所代表的机构"),
    "email": _l("电子邮箱及其验证状态"),
    "phone": _l("手机号码及其验证状态"),
    "address": _l("联系地址"),
    "offline_access": _l("在您离线时保持访问（刷新令牌）"),
    "trademark": _l("关联的商标网上申请系统历史账号"),
}
"""The consent page's words for each scope it lists (a scope without words is not listed)."""

APPEAL_STATUS = {
    "pending": _l("待处理"),
    "approved": _l("已通过"),
    "rejected": _l("已驳回"),
}
"""The words of an appeal's status (P7); the office's reason for a refusal follows them."""

CATEGORIES = {
    "enterprise": _l("企业"),
    "social": _l("社会团体"),
    "government": _l("机关事业单位"),
    "individual_business": _l("个体工商户"),
    "other": _l("其他"),
}
"""The words of each organisation category (``models.organisation.CATEGORIES``' keys)."""

PAGES = {
    "interaction.client_disabled": _l(
        "该应用已停用，本次登录已结束。请稍后返回该应用重新登录，或联系该应用的管理方。"
    ),
    "interaction.expired": _l("登录请求已过期或无效，请返回应用重新发起登录。"),
    "supplement.expired": _l("信息补录已过期或无效，请重新使用历史账号登录。"),
}
"""404 answers that say what expired or ended: ``abort(404, description=code)``."""


def _translate(sentence: str) -> str:
    return gettext(sentence)


def text(code: str, **params: Any) -> str:
    """The words of ``code`` with ``params`` in the visitor's language."""
    return messages.words(code, params, _translate)


def message(reason: str | Coded) -> str:
    """The words of an error carrying ``code`` (and ``params``), or of a bare code."""
    return messages.describe(reason, _translate)


def each(errors: Mapping[str, str | Coded]) -> dict[str, str]:
    """Field -> words, for an errors mapping of field -> reason (registration, appeals)."""
    return {field: message(reason) for field, reason in errors.items()}


def page(description: str | None) -> str | None:
    """The words of a 404 ``description`` that is a code of ``PAGES``, else None."""
    found = PAGES.get(description or "")
    return str(found) if found is not None else None


def appeal_status(status: str, reason: str | None) -> str:
    """待处理 / 已通过 / 已驳回, with the office's reason after a refusal (P7)."""
    words = APPEAL_STATUS.get(status)
    text = str(words) if words is not None else status
    return (
        gettext("%(status)s：%(reason)s", status=text, reason=reason)
        if status == "rejected" and reason
        else text
    )
