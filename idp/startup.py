"""What a serving process does before it serves (issue 11): prove its key material.

``idp.wsgi`` (gunicorn) and ``idp serve`` call ``prove_keys`` once the app is built and before
the first request; ``create_app`` itself touches no database, so ``idp db upgrade`` and every
other command build the app on an empty or unreachable database as before. A key that does not
match the data (``idp.domain.keycheck``) stops the process with one message naming the key
setting, logged at CRITICAL, and exit status 4, which gunicorn's arbiter takes as "App failed to
load" and stops on, instead of restarting workers that would serve 500s. A database that cannot
be reached at start is logged and the process serves (503s until it is back); the proof then
runs at the next start.
"""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)
REFUSED = 4  # gunicorn's APP_LOAD_ERROR: the arbiter halts rather than respawning the worker

REASONS = {
    "missing_key": "{setting} has no key {kid!r}, the key the stored data was encrypted with;"
    " put it back (it may leave the keyring only after `idp keys reencrypt`)",
    "wrong_key": "{setting}.{kid} is not the key the stored data was encrypted with (the"
    " check value does not decrypt under it)",
    "signing_key": "{setting}.{kid} does not decrypt the current signing key {signing_kid}",
    "digest": "{setting} is not the one the stored data was made with (its check value differs)",
}


def describe(mismatch) -> str:
    """One line naming every key setting that does not match."""
    said = (REASONS[p.reason].format(setting=p.setting, **p.params) for p in mismatch.problems)
    problems = "; ".join(dict.fromkeys(said))  # each once: two signing keys, one missing key
    return (
        "refusing to start: the key material does not match the database: "
        f"{problems} (docs/operations.md, Keys)"
    )


def prove_keys(app: Flask) -> None:
    """``keycheck.prove`` in a transaction of its own; exit with ``REFUSED`` on a mismatch."""
    from .domain import keycheck, transaction
    from .extensions import db

    with app.app_context():
        try:
            proven = keycheck.prove()
            transaction.commit()
        except keycheck.KeyMismatch as exc:
            transaction.rollback_quietly()
            db.engine.dispose()  # the process ends here: close its connections, not leave them
            log.critical(describe(exc))
            raise SystemExit(REFUSED) from None
        except SQLAlchemyError as exc:
            transaction.rollback_quietly()
            log.error("key material not proven at start: database unavailable (%s)", exc)
            return
        except BaseException:
            transaction.rollback_quietly()
            raise
    if proven:
        log.info("key material proven: encryption_keys, blind_index_key, client_secret_pepper")
    else:
        log.warning("key material not proven: no key_checks table (run `idp db upgrade`)")
