"""The one-time code a login needs once its account's failures reached
``login.code_after_failures`` (docs/accounts.md, "Login throttling and lockout").

It is an extra step after a correct password (and captcha), never instead of it: the code goes
by SMS to the mobile the office has verified for the account — a person's own mobile, an
organisation's contact mobile, for a handler the handler's own, for a linked legacy account
its user's (L6); an unlinked legacy account has only the mobile stored in the export, the same
contact its password reset trusts (L8). An account without one is asked for the captcha only.
Codes are the verification codes of S7 (purpose ``login``, bound to one parked login).
"""

from __future__ import annotations

from ...extensions import db
from ...services import services
from ..accounts import profile
from ..errors import ValidationError
from ..identity import documents
from ..models import LegacyAccount, User

PURPOSE = "login"


def mobile_for(user: User | None = None, legacy_account: LegacyAccount | None = None) -> str | None:
    """Where the login code of this account goes, or None when it has no such mobile."""
    if legacy_account is not None:
        if legacy_account.linked:
            return mobile_for(db.session.get(User, legacy_account.user_id))
        try:
            return documents.validate_mobile(legacy_account.phone or "")
        except ValidationError:
            return None
    return profile.verified_mobile(user) if user is not None else None


def send(mobile: str, flow_id: str, ip: str) -> None:
    """Send the code (the S7 send limits apply; their refusals propagate)."""
    services().codes.send("sms", mobile, PURPOSE, flow_id, ip)


def verify(mobile: str, flow_id: str, code: str) -> None:
    """Accept the code once, or raise verification.CodeRefused with the reason."""
    services().codes.verify("sms", mobile, PURPOSE, flow_id, code or "")
