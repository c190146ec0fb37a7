"""E-mail addresses: one address, checked by ``email-validator`` (RFC 5321/5322 syntax).

``normalise_email`` is the one check every path uses (registration, supplementation,
organisations, handlers, the personal center, appeals, verification codes, the legacy import):

- exactly one address: no display name (``张三 <a@b.cn>``), no list (``a@b.cn,c@d.cn``), no
  quoted local part, no IP-address domain, no special-use domain (``.test``, ``.local``);
- the part before the @ in ASCII (``allow_smtputf8=False``): the office's mail gateway and most
  mailboxes cannot deliver to an internationalised local part;
- no DNS look-up (``check_deliverability=False``): that is the e-mail code's job (S7);
- full-width forms (``ａ＠ｂ．ｃｎ``) are folded to ASCII first, as for identifiers.

The stored form is the library's ASCII form (an internationalised domain in its ``xn--`` form,
which every mail server accepts) in lower case, so one mailbox has one spelling: codes are bound
to it and it is compared as is.
"""
from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from .errors import ValidationError
from .identifiers import fold_full_width

MESSAGE = "电子邮箱格式不正确：请填写一个电子邮箱地址，例如 zhangsan@example.cn。"


def normalise_email(value: str | None, field: str = "email") -> str:
    """The stored form of one e-mail address, or a ValidationError on ``field``."""
    text = fold_full_width(value).strip()
    if not text:
        raise ValidationError("请填写电子邮箱。", field)
    try:
        checked = validate_email(text, check_deliverability=False, allow_smtputf8=False,
                                 allow_display_name=False, allow_quoted_local=False,
                                 allow_domain_literal=False)
    except EmailNotValidError:
        raise ValidationError(MESSAGE, field) from None
    return checked.ascii_email.lower()
