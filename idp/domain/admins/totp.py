"""The admins' second factor: TOTP (RFC 6238, 30-second steps, 6 digits, SHA-1 as every
authenticator app speaks it).

A code is accepted for the current step and one step either side (RFC 6238 §5.2, clock drift)
and only once: the step of the accepted code is stored (``last_totp_step``) and a code of that
step or an earlier one is refused (§5.2: "the verifier MUST NOT accept the second attempt of
the same OTP"). The store is a conditional UPDATE, so two requests racing with one code cannot
both win. The step stays used even when the rest of the request fails and rolls back (a
password change refused by the policy after its code was accepted, an error page): the claim is
queued with ``transaction.after_rollback`` and written again in a transaction of its own, so an
accepted code counts once whatever happens to the request. Time comes from the settable clock (``services().clock``). The secret is encrypted at
rest with the field cipher under ``purposes.ADMIN_TOTP`` (D5).
"""

from __future__ import annotations

import hmac

import pyotp
from sqlalchemy import or_, update

from ...extensions import db
from ...services import services
from .. import purposes, transaction
from ..models import AdminAccount
from ..models._types import from_timestamp

STEP = 30
WINDOW = 1  # steps accepted either side of the current one
ISSUER = "CNIPA IdP Admin"


def secret_of(admin: AdminAccount) -> str | None:
    if not admin.totp_secret_enc:
        return None
    return services().cipher.decrypt(admin.totp_secret_enc, purposes.ADMIN_TOTP)


def begin_enrolment(admin: AdminAccount) -> str:
    """The secret to enrol: the one waiting for its first code, or a new random one (160 bits,
    RFC 4226 §4 R6), stored encrypted until a code from it is confirmed."""
    assert not admin.totp_enrolled
    secret = secret_of(admin)
    if secret is None:
        secret = pyotp.random_base32(32)
        admin.totp_secret_enc = services().cipher.encrypt(secret, purposes.ADMIN_TOTP)
        db.session.flush()
    return secret


def provisioning_uri(admin: AdminAccount, secret: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return str(pyotp.TOTP(secret).provisioning_uri(name=admin.username, issuer_name=ISSUER))


def _matching_step(secret: str, code: str, now: float) -> int | None:
    code = (code or "").strip().replace(" ", "")
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret, interval=STEP)
    current = int(now) // STEP
    found = None
    for step in range(current - WINDOW, current + WINDOW + 1):
        if hmac.compare_digest(str(totp.generate_otp(step)), code):
            found = step
    return found


def use_code(admin: AdminAccount, code: str) -> bool:
    """True when ``code`` is right now and its step was not used before; the step is then
    recorded (flushed, committed by the request, or on its own if the request rolls back)."""
    secret = secret_of(admin)
    if secret is None:
        return False
    step = _matching_step(secret, code, services().clock.now())
    if step is None or not _claim(admin.id, step):
        return False
    admin.last_totp_step = step
    admin_id = admin.id
    transaction.after_rollback(lambda: _claim(admin_id, step))  # used, whatever follows
    return True


def _claim(admin_id: int, step: int) -> bool:
    """Record ``step`` as used unless it or a later one already is (a conditional UPDATE: of
    two requests with one code only one changes the row)."""
    claimed = db.session.execute(
        update(AdminAccount)
        .where(
            AdminAccount.id == admin_id,
            or_(AdminAccount.last_totp_step.is_(None), AdminAccount.last_totp_step < step),
        )
        .values(last_totp_step=step)
        .execution_options(synchronize_session=False)
    )
    return getattr(claimed, "rowcount", 0) == 1


def confirm_enrolment(admin: AdminAccount, code: str) -> bool:
    """The first code from the secret being enrolled: right, the enrolment is done."""
    if admin.totp_enrolled or not use_code(admin, code):
        return False
    admin.totp_enrolled = True
    admin.updated_at = from_timestamp(services().clock.now())
    db.session.flush()
    return True


def code_at(secret: str, when: float) -> str:
    """The code of ``secret`` at ``when`` (the demo and the tests, as an authenticator would)."""
    return str(pyotp.TOTP(secret, interval=STEP).at(int(when)))
