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

import re
from functools import lru_cache
from typing import cast

from email_validator import EmailNotValidError, ValidatedEmail, validate_email

from ..errors import ValidationError
from .identifiers import fold_full_width

MESSAGE = "email.format"
MAX_LENGTH = 254  # RFC 5321 path limit as email-validator applies it (UTF-8 bytes)
# A plain ASCII dot-atom local part (a subset of what email-validator accepts) and a domain
# without the characters that make the library read an address differently (display names,
# quoting, lists, literals): for these the library's answer is the local part + its answer
# for the domain alone.
_PLAIN_LOCAL = re.compile(r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*")
_PLAIN_DOMAIN = re.compile(r"[^@<>\"\\(),;:\[\]\s]+")


def _validated(text: str) -> ValidatedEmail | None:
    """email-validator's ``ValidatedEmail`` of ``text`` under the office's options, or None."""
    try:
        return validate_email(
            text,
            check_deliverability=False,
            allow_smtputf8=False,
            allow_display_name=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
        )
    except EmailNotValidError:
        return None


@lru_cache(maxsize=4096)
def _domain(domain: str) -> tuple[str, int] | None:
    """email-validator's verdict on ``domain`` (IDNA, special-use names, label rules): its
    ASCII form and the longest of its three spellings (as typed, Unicode, ASCII) in UTF-8
    bytes, which the library's length limit counts; None when refused. Cached: an export of
    a million rows has a few thousand domains (the legacy import)."""
    checked = _validated("a@" + domain)
    if checked is None:
        return None
    spellings = (domain, checked.domain, checked.ascii_domain)
    return checked.ascii_domain, max(len(each.encode()) for each in spellings)


def normalise_email(value: str | None, field: str = "email") -> str:
    """The stored form of one e-mail address, or a ValidationError on ``field``. Every
    address gets email-validator's answer: a plain local part at a plain domain by the
    library's cached verdict on the domain (the same answer, tested), any other directly."""
    text = fold_full_width(value).strip()
    if not text:
        raise ValidationError("email.missing", field)
    local, at, domain = text.rpartition("@")
    if (
        at
        and len(local) <= 64
        and _PLAIN_LOCAL.fullmatch(local)
        and _PLAIN_DOMAIN.fullmatch(domain)
    ):
        known = _domain(domain)
        if known is None:
            raise ValidationError(MESSAGE, field)
        ascii_domain, longest = known
        if len(local) + 1 + longest <= MAX_LENGTH:
            return f"{local}@{ascii_domain}".lower()
    checked = _validated(text)
    if checked is None:
        raise ValidationError(MESSAGE, field)
    return cast(str, checked.ascii_email).lower()  # set: SMTPUTF8 is not allowed
