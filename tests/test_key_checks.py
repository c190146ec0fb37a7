"""The key material is proven at start (issue 11, idp/domain/keycheck.py, idp/startup.py): a
field key, blind-index key or client-secret pepper that does not match the stored data refuses
to start with one message naming the setting, instead of serving 500s and writing rows nobody
can find. Each instance is its own app on the test database, as a process started with those
settings would be."""

from __future__ import annotations

import base64
import logging
import os
import threading

import pytest
from sqlalchemy import select

from idp import create_app
from idp.adapters.store import MemoryStore
from idp.domain import keycheck, transaction
from idp.domain.models import KeyCheck, SigningKey
from idp.extensions import db
from idp.protocol import keys
from idp.startup import REFUSED, prove_keys
from support import TEST_SETTINGS, make_user

DEV = "dev1"  # the development keyring's key id (default.toml)
OTHER_KEY = base64.b64encode(b"x" * 32).decode()
NEW_KEY = base64.b64encode(b"n" * 32).decode()


@pytest.fixture
def instance(app, database_url):
    """``instance(**settings)``: another process on the same database, with these settings."""
    made = []

    def make(**settings):
        built = create_app(
            {**TEST_SETTINGS, "database_url": database_url, **settings}, store=MemoryStore()
        )
        made.append(built)
        return built

    yield make
    for built in made:
        with built.app_context():
            db.engine.dispose()


def dev_key() -> str:
    from idp.config import loader

    return loader.defaults().encryption_keys[DEV]


def refused(instance_app, caplog) -> str:
    """Start ``instance_app``; assert it refuses and return the message it logged."""
    caplog.clear()
    with caplog.at_level(logging.CRITICAL, logger="idp.startup"):
        with pytest.raises(SystemExit) as stopped:
            prove_keys(instance_app)
    assert stopped.value.code == REFUSED
    [record] = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert record.getMessage().startswith("refusing to start: the key material does not match")
    return record.getMessage()


def checks() -> dict[str, str]:
    db.session.expire_all()
    return dict(db.session.execute(select(KeyCheck.name, KeyCheck.value)).all())


def test_first_start_writes_the_check_values_and_the_same_keys_start_again(app, instance):
    prove_keys(app)
    written = checks()
    assert set(written) == {
        "encryption_keys",
        "secrets.blind_index_key",
        "secrets.client_secret_pepper",
    }
    assert written["encryption_keys"].startswith(DEV + ":")
    prove_keys(instance())  # a second process with the same keys starts
    prove_keys(app)
    assert checks() == written


def test_a_wrong_field_key_refuses_to_start_naming_the_key(app, instance, caplog):
    prove_keys(app)
    message = refused(instance(encryption_keys={DEV: OTHER_KEY}), caplog)
    assert "encryption_keys.dev1 is not the key the stored data was encrypted with" in message
    assert "blind_index_key" not in message and "pepper" not in message


def test_a_keyring_without_the_key_of_the_data_refuses_to_start(app, instance, caplog):
    prove_keys(app)
    started = instance(encryption_keys={"k2": NEW_KEY}, encryption_key_current="k2")
    message = refused(started, caplog)
    assert "encryption_keys has no key 'dev1'" in message


def test_a_wrong_blind_index_key_refuses_to_start(app, instance, caplog):
    prove_keys(app)
    started = instance(secrets={"blind_index_key": "another-blind-index-key-0123456789"})
    message = refused(started, caplog)
    assert "secrets.blind_index_key is not the one the stored data was made with" in message
    assert "encryption_keys" not in message.split(": ", 2)[2]


def test_a_wrong_client_secret_pepper_refuses_to_start(app, instance, caplog):
    prove_keys(app)
    message = refused(
        instance(secrets={"client_secret_pepper": "another-pepper-0123456789"}), caplog
    )
    assert "secrets.client_secret_pepper is not the one" in message


def test_every_wrong_key_is_named_in_the_one_message(app, instance, caplog):
    prove_keys(app)
    started = instance(
        encryption_keys={DEV: OTHER_KEY},
        secrets={"blind_index_key": "b" * 32, "client_secret_pepper": "p" * 32},
    )
    message = refused(started, caplog)
    for setting in (
        "encryption_keys.dev1",
        "secrets.blind_index_key",
        "secrets.client_secret_pepper",
    ):
        assert setting in message


def test_signing_keys_prove_the_field_key_before_its_check_value_is_first_written(
    app, instance, caplog
):
    """A database from before migration 0011 (keys, no check values): a wrong field key must
    not write its canary, or every later start with the right key would refuse."""
    keys.ensure_keys()
    transaction.commit()
    message = refused(instance(encryption_keys={DEV: OTHER_KEY}), caplog)
    assert "encryption_keys.dev1 does not decrypt the current signing key" in message
    assert checks() == {}  # nothing written
    prove_keys(app)
    assert set(checks()) == {
        "encryption_keys",
        "secrets.blind_index_key",
        "secrets.client_secret_pepper",
    }


def test_field_key_rotation_with_reencrypt_still_starts(app, instance, caplog):
    keys.ensure_keys()
    transaction.commit()
    prove_keys(app)  # the canary and the signing keys under dev1
    both = {DEV: dev_key(), "new": NEW_KEY}
    # the operator adds the new key, makes it current and restarts: the old key still reads
    rotated = instance(encryption_keys=both, encryption_key_current="new")
    prove_keys(rotated)
    # without re-encryption the old key cannot leave the keyring yet
    message = refused(
        instance(encryption_keys={"new": NEW_KEY}, encryption_key_current="new"), caplog
    )
    assert "encryption_keys has no key 'dev1'" in message
    with rotated.app_context():  # the command runs in the app context it finds
        result = rotated.test_cli_runner().invoke(args=["keys", "reencrypt"])
    assert result.exit_code == 0, result.output
    assert "key_checks.value: 1 re-encrypted" in result.output
    assert checks()["encryption_keys"].startswith("new:")
    prove_keys(instance(encryption_keys={"new": NEW_KEY}, encryption_key_current="new"))


def test_idp_serve_refuses_to_start_with_a_wrong_key(app, instance):
    prove_keys(app)
    wrong = instance(encryption_keys={DEV: OTHER_KEY})
    with wrong.app_context():  # the command runs in the app context it finds
        result = wrong.test_cli_runner().invoke(args=["serve"])
    assert result.exit_code == REFUSED


def test_idp_worker_refuses_to_start_with_a_wrong_key(app, instance, monkeypatch):
    """The worker signs logout tokens and writes rows: it proves the keys as serving does."""
    from idp import worker

    looped = []
    monkeypatch.setattr(worker, "run_until_stopped", lambda *args: looped.append(args))
    prove_keys(app)
    wrong = instance(encryption_keys={DEV: OTHER_KEY})
    with wrong.app_context():
        result = wrong.test_cli_runner().invoke(args=["worker", "--interval", "3600"])
    assert result.exit_code == REFUSED and looped == []


def test_a_database_without_the_key_checks_table_is_not_checked(tmp_path, caplog):
    """``idp db upgrade`` and a first start on an empty database are never stopped."""
    empty = create_app(
        {**TEST_SETTINGS, "database_url": f"sqlite:///{tmp_path}/empty.sqlite3"},
        store=MemoryStore(),
    )
    with caplog.at_level(logging.WARNING, logger="idp.startup"):
        prove_keys(empty)
    assert "no key_checks table" in caplog.text
    with empty.app_context():
        db.engine.dispose()


@pytest.mark.skipif(
    os.environ.get("IDP_TEST_DATABASE", "sqlite") != "postgres",
    reason="SQLite cannot run concurrent writers; races are tested on PostgreSQL",
)
def test_instances_starting_together_write_one_set_of_check_values(app):
    start = threading.Barrier(6, timeout=10)
    errors: list = []

    def first_start():
        try:
            start.wait()
            prove_keys(app)
        except BaseException as exc:  # asserted below
            errors.append(exc)

    threads = [threading.Thread(target=first_start) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert len(checks()) == 3
    assert keycheck.prove() is True
    assert db.session.scalar(select(SigningKey).limit(1)) is None  # proving creates no keys


def test_the_gunicorn_module_refuses_to_load_with_a_wrong_key(app, database_url, monkeypatch):
    """``idp.wsgi`` proves the keys before it serves (the settings come from IDP_* variables)."""
    import importlib
    import sys

    prove_keys(app)
    monkeypatch.setenv("IDP_DATABASE_URL", database_url)
    monkeypatch.setenv("IDP_SECRETS_CLIENT_SECRET_PEPPER", "another-pepper-0123456789")
    monkeypatch.setenv("IDP_LOGOUT_BACKGROUND_WORKER", "false")
    monkeypatch.delitem(sys.modules, "idp.wsgi", raising=False)
    with pytest.raises(SystemExit) as stopped:
        importlib.import_module("idp.wsgi")
    assert stopped.value.code == REFUSED
    monkeypatch.delitem(sys.modules, "idp.wsgi", raising=False)


def test_a_stored_mobile_proves_the_blind_index_key_before_its_check_value_is_first_written(
    app, instance, caplog
):
    """A database from before migration 0011 with accounts: a wrong blind-index key must not
    write its check value (every mobile, ID number and e-mail would then be unfindable)."""
    make_user()
    started = instance(secrets={"blind_index_key": "another-blind-index-key-0123456789"})
    message = refused(started, caplog)
    assert "secrets.blind_index_key is not the one" in message
    assert checks() == {}
    prove_keys(app)
    assert len(checks()) == 3


def test_a_stored_mobile_proves_the_field_key_when_no_signing_key_exists_yet(app, instance, caplog):
    make_user()
    message = refused(instance(encryption_keys={DEV: OTHER_KEY}), caplog)
    assert "encryption_keys.dev1 is not the key" in message
    assert checks() == {}
