"""An admin's TOTP secret is a value at rest like the others (D5): ``idp keys reencrypt`` moves
it to the current field key, and the admin's codes still work once the old key is gone."""

from __future__ import annotations

import base64

import pytest

from adminkit import login, make_admin
from idp.domain.admins import accounts as admins
from idp.domain.admins import totp
from idp.domain.crypto import FieldCipher
from idp.extensions import db
from idp.services import services

OLD, NEW = "old", "new"
OLD_KEY, NEW_KEY = base64.b64encode(b"o" * 32).decode(), base64.b64encode(b"n" * 32).decode()


@pytest.fixture
def settings_overrides():
    return {"encryption_keys": {OLD: OLD_KEY, NEW: NEW_KEY}, "encryption_key_current": OLD}


def test_keys_reencrypt_moves_the_totp_secret_to_the_current_key(app, client):
    admin_id, secret = make_admin("sysadm")
    assert admins.get_by_id(admin_id).totp_secret_enc.startswith(OLD + ":")
    services().cipher = FieldCipher({OLD: OLD_KEY, NEW: NEW_KEY}, NEW)
    result = app.test_cli_runner().invoke(args=["keys", "reencrypt"])
    assert result.exit_code == 0, result.output
    assert "admin_accounts.totp_secret_enc: 1 re-encrypted" in result.output
    services().cipher = FieldCipher({NEW: NEW_KEY}, NEW)
    db.session.expire_all()
    admin = admins.get_by_id(admin_id)
    assert admin.totp_secret_enc.startswith(NEW + ":") and totp.secret_of(admin) == secret
    login(client, "sysadm", secret)  # its codes still work
    assert client.get("/admin/").status_code == 200
