"""Notices of account changes (issue 13): a text message or a mail that tells the owner what
changed, when (Beijing time) and what to do if it was not them (the helpline). A notice never
holds a code or a password.

=================================  =========================================================
change                             notice to
=================================  =========================================================
password reset (忘记密码)          the account's verified contacts but the one the code went
                                   to; through a handler's mobile: the organisation's
                                   contacts and that handler
password reset of a linked legacy  the same (the code went to the user's mobile or e-mail)
account (L8)
password changed (个人中心)        the account's verified mobile and e-mail
mobile changed                     the OLD mobile, if it was verified
e-mail changed                     the OLD e-mail address, if it was verified
handler bound or unbound (P3)      the organisation's verified contacts and the handler's
                                   verified mobile
every binding ended (P6, P4)       each handler
=================================  =========================================================

Each notice is queued with ``transaction.after_commit`` (a change that rolls back tells nobody
anything) and recorded in the audit trail in the change's transaction (``notice.sent``: kind,
channel, masked recipient). A gateway failure is logged; the change stands. ``TEXTS`` holds the
texts, keyed by the SMS port's ``template`` (gateways that send registered templates get the
values as ``params``); ``WORDS`` the subject and the phrases the texts share.
"""

from __future__ import annotations

import datetime as dt
import logging

from ...services import services
from .. import trail, transaction
from ..accounts import profile
from ..models import Organisation, User
from ..ports import SendFailed
from .codes import mask

log = logging.getLogger(__name__)
BEIJING = dt.timezone(dt.timedelta(hours=8))
NAME_LENGTH = 40  # an organisation's name in a text, cut to keep one message

TEXTS = {
    "password_reset": "{account}的密码已于 {time}（北京时间）通过“忘记密码”重置，验证码发送至"
    "{via}。如非本人操作，请立即致电 010-63218500。",
    "password_reset_handler": "您作为“{organisation}”的经办人，于 {time}（北京时间）使用本手机号码"
    "接收的验证码重置了该单位统一身份认证账号的密码。如非本人操作，请立即致电 010-63218500。",
    "password_changed": "{account}的密码已于 {time}（北京时间）在个人中心修改，其他设备上的登录已退出。"
    "如非本人操作，请立即通过登录页的“忘记密码”重置密码，并致电 010-63218500。",
    "mobile_changed": "{account}的手机号码已于 {time}（北京时间）由本号码改为 {new}。"
    "如非本人操作，请立即致电 010-63218500。",
    "email_changed": "{account}的电子邮箱已于 {time}（北京时间）由本邮箱改为 {new}。"
    "如非本人操作，请立即致电 010-63218500。",
    "handler_bound": "{handler}已于 {time}（北京时间）被绑定为“{organisation}”的经办人，可代表该单位"
    "办理商标网上业务。如非本单位操作，请在个人中心的经办人管理中解除绑定，并致电 010-63218500。",
    "handler_bound_person": "您已于 {time}（北京时间）被绑定为“{organisation}”的经办人，可代表该单位"
    "办理商标网上业务。如有疑问，请联系该单位或致电 010-63218500。",
    "handler_unbound": "{handler}与“{organisation}”的经办人绑定已于 {time}（北京时间）解除。"
    "如非本单位操作，请立即致电 010-63218500。",
    "handler_unbound_person": "您与“{organisation}”的经办人绑定已于 {time}（北京时间）解除，"
    "不能再代表该单位办理业务，您本人的账号不受影响。如有疑问，请联系该单位或致电 010-63218500。",
}
WORDS = {
    "subject": "国家知识产权局统一身份认证：账号安全通知",
    "signed": "【{signature}】{text}",
    "person": "您的统一身份认证账号",
    "organisation": "“{organisation}”的统一身份认证账号",
    "sms": "手机 {recipient}",
    "mail": "邮箱 {recipient}",
    "handler": "经办人手机 {recipient}",
}


def _when() -> str:
    return dt.datetime.fromtimestamp(services().clock.now(), BEIJING).strftime("%Y-%m-%d %H:%M")


def _name(organisation: Organisation) -> str:
    name = organisation.name
    return name if len(name) <= NAME_LENGTH else name[: NAME_LENGTH - 1] + "…"


def _account(user: User) -> str:
    organisation = profile.organisation_of(user)
    if organisation is None:
        return WORDS["person"]
    return WORDS["organisation"].format(organisation=_name(organisation))


def _contacts(user: User) -> list[tuple[str, str]]:
    """The account's verified (channel, destination)s: a person's own, an organisation's
    contact mobile and e-mail."""
    mobile, email = profile.verified_mobile(user), profile.verified_email(user)
    return [(c, d) for c, d in (("sms", mobile), ("mail", email)) if d]


def _handler_mobile(handler: User) -> str | None:
    return handler.phone if handler.phone and handler.phone_verified else None


def _notify(subject: int, template: str, channel: str, destination: str, **values: str) -> None:
    """Record the notice and queue it to go out once the transaction commits."""
    svc = services()
    values = {**values, "time": _when()}
    text = TEXTS[template].format(**values)
    signature = svc.settings.codes.sms_signature

    def deliver() -> None:
        try:
            if channel == "sms":
                signed = WORDS["signed"].format(signature=signature, text=text)
                svc.sms.send_sms(destination, signed, template, values)
            else:
                svc.mail.send_mail(destination, WORDS["subject"], f"{text}\n\n{signature}")
        except SendFailed as exc:
            log.warning("notice %s to %s not sent: %s", template, mask(channel, destination), exc)

    trail.record(
        trail.NOTICE_SENT,
        subject=subject,
        kind=template,
        channel=channel,
        recipient=mask(channel, destination),
    )
    transaction.after_commit(deliver)


def password_reset(user: User, used: tuple[str, str], handler: User | None = None) -> None:
    """The password of ``user`` was reset by a code sent to ``used`` (channel, destination), a
    mobile of ``handler`` when a handler's proved it: tell every other verified contact, and
    that handler."""
    via = WORDS["handler" if handler is not None else used[0]].format(recipient=mask(*used))
    account = _account(user)
    for channel, destination in _contacts(user):
        if (channel, destination) != used:
            _notify(user.id, "password_reset", channel, destination, account=account, via=via)
    organisation = profile.organisation_of(user)
    if handler is not None and organisation is not None:
        _notify(user.id, "password_reset_handler", "sms", used[1], organisation=_name(organisation))


def password_changed(user: User) -> None:
    """The password was changed in the personal center: every verified contact is told."""
    account = _account(user)
    for channel, destination in _contacts(user):
        _notify(user.id, "password_changed", channel, destination, account=account)


def mobile_changed(user: User, old: str | None, new: str) -> None:
    """The mobile changed from ``old`` (when verified) to ``new``: the old one is told."""
    if old and old != new:
        _notify(user.id, "mobile_changed", "sms", old, account=_account(user), new=mask("sms", new))


def email_changed(user: User, old: str | None, new: str) -> None:
    """The e-mail changed from ``old`` (when verified) to ``new``: the old address is told."""
    if old and old != new:
        _notify(
            user.id, "email_changed", "mail", old, account=_account(user), new=mask("mail", new)
        )


def handler_bound(organisation: Organisation, handler: User) -> None:
    """P3: the organisation's contacts and the handler are told of the new binding."""
    _binding_changed(organisation, handler, "handler_bound", tell_organisation=True)


def handler_unbound(
    organisation: Organisation,
    handler: User,
    *,
    tell_organisation: bool = True,
    tell_handler: bool = True,
) -> None:
    """The binding ended: the handler is told, and the organisation's contacts unless the
    organisation itself ended every binding at once (P6, P4); a handler who deactivated their
    own account (P4) is not told again, the organisation is."""
    _binding_changed(
        organisation,
        handler,
        "handler_unbound",
        tell_organisation=tell_organisation,
        tell_handler=tell_handler,
    )


def _binding_changed(
    organisation: Organisation,
    handler: User,
    template: str,
    *,
    tell_organisation: bool,
    tell_handler: bool = True,
) -> None:
    name = _name(organisation)
    if tell_organisation:
        for channel, destination in _contacts(organisation.user):
            _notify(
                organisation.user_id,
                template,
                channel,
                destination,
                handler=handler.name,
                organisation=name,
            )
    mobile = _handler_mobile(handler) if tell_handler else None
    if mobile:
        _notify(handler.id, template + "_person", "sms", mobile, organisation=name)
