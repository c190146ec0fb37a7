"""Field-key rotation: re-encrypt every value at rest under the current key (D5).

``encryption_key_current`` names the key new values are written with; the others stay in
``encryption_keys`` only for reading. ``reencrypt`` moves every ciphertext written under an
older key — ID numbers, USCCs, mobiles, e-mail addresses, signing keys, admins' TOTP secrets — to the current one,
each with the purpose it was sealed under, a batch per commit; after it, the old key can leave
the keyring. Blind indexes do not change: they use their own key (``secrets.blind_index_key``).
A value no key in the keyring opens is counted, never changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import Table, select, update

from ..extensions import db
from ..services import services
from . import purposes
from .accounts.users import ID_INDEX
from .crypto import DecryptionError
from .identity.contacts import EMAIL_INDEX, PHONE_INDEX
from .models import (
    AdminAccount,
    AgencyFiling,
    LegacyAccount,
    LegacyAppeal,
    Organisation,
    Practitioner,
    SigningKey,
    User,
)
from .registers.lookup import USCC_INDEX

SIGNING_KEY = "signing-key"  # the purpose idp.protocol.keys seals private keys under
BATCH = 500

# (model, ciphertext column, purpose it was encrypted under)
COLUMNS = (
    (User, "id_number_enc", ID_INDEX),
    (User, "phone_enc", PHONE_INDEX),
    (User, "email_enc", EMAIL_INDEX),
    (Organisation, "uscc_enc", USCC_INDEX),
    (Organisation, "rep_id_number_enc", ID_INDEX),
    (Organisation, "contact_phone_enc", PHONE_INDEX),
    (LegacyAccount, "id_number_enc", ID_INDEX),
    (LegacyAccount, "uscc_enc", USCC_INDEX),
    (LegacyAccount, "phone_enc", PHONE_INDEX),
    (LegacyAccount, "email_enc", EMAIL_INDEX),
    (LegacyAppeal, "phone_enc", PHONE_INDEX),
    (LegacyAppeal, "email_enc", EMAIL_INDEX),
    (AgencyFiling, "uscc_enc", USCC_INDEX),
    (Practitioner, "id_number_enc", ID_INDEX),
    (SigningKey, "private_enc", SIGNING_KEY),
    (AdminAccount, "totp_secret_enc", purposes.ADMIN_TOTP),
)


@dataclass
class RekeyReport:
    reencrypted: dict[str, int] = field(default_factory=dict)
    unreadable: dict[str, int] = field(default_factory=dict)


Progress = Callable[[str, int, RekeyReport], None]  # (column, rows checked in it, so far)


def reencrypt(
    commit: Callable[[], None] | None = None, progress: Progress | None = None
) -> RekeyReport:
    """Re-encrypt, under the current key, every value still under another one. ``commit`` (the
    CLI edge's ``transaction.commit``) ends each page's transaction, so a million rows are not
    one transaction; without it everything stays in the caller's transaction. ``progress`` is
    told after each committed page, so an operator sees how far a long run got; a run stopped
    half-way is run again and skips what is already under the current key."""
    cipher, report = services().cipher, RekeyReport()
    for model, name, purpose in COLUMNS:
        table = cast(Table, model.__table__)  # every model is mapped to a Table
        column, where = table.c[name], f"{table.name}.{name}"
        last = checked = 0
        while True:  # keyset pages: memory stays bounded on a million legacy rows
            rows = db.session.execute(
                select(table.c.id, column)
                .where(column.isnot(None), table.c.id > last)
                .order_by(table.c.id)
                .limit(BATCH)
            ).all()
            if not rows:
                break
            last = rows[-1][0]
            for row_id, stored in rows:
                if not cipher.needs_reencrypt(stored):
                    continue
                try:
                    plain = cipher.decrypt(stored, purpose)
                except (DecryptionError, ValueError):
                    report.unreadable[where] = report.unreadable.get(where, 0) + 1
                    continue
                db.session.execute(
                    update(table)
                    .where(table.c.id == row_id)
                    .values({name: cipher.encrypt(plain, purpose)})
                )
                report.reencrypted[where] = report.reencrypted.get(where, 0) + 1
            if commit is not None:
                commit()
            checked += len(rows)
            if progress is not None:
                progress(where, checked, report)
    return report
