"""统一身份认证 — the OpenID Connect provider for trademark online services."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask

from .config import ROOT, Settings, load_settings

MIGRATIONS = str(Path(__file__).parent / "migrations")


def _database_uri(settings: Settings, instance_path: str) -> str:
    url = settings.database_url
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////") and ":memory:" not in url:
        os.makedirs(instance_path, exist_ok=True)
        url = "sqlite:///" + os.path.join(instance_path, url[len("sqlite:///") :])
    return url


def create_app(
    config: dict | None = None, *, clock=None, store=None, sender=None, web: bool = True
) -> Flask:
    """Build the IdP. ``config`` overrides settings (tests); adapters may be injected (tests).

    ``web=False`` builds the app of the batch commands (``idp registers import``, ``idp legacy
    import``; chosen in ``idp.cli``): settings, clock, field cipher and the database only, with
    no pages, OAuth server, translations, store, sender or other adapters, and none of their
    libraries imported, so that a 100,000-row register import stays under 100 MB (issue 9).
    """
    from .adapters.clock import SystemClock
    from .adapters.database import engine_options
    from .domain import transaction  # noqa: F401  (its after-commit listeners)
    from .domain.accounts import passwords
    from .domain.crypto import FieldCipher
    from .extensions import db
    from .services import Services

    settings = load_settings(config)
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder="web/templates",
        static_folder="web/static" if web else None,
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SQLALCHEMY_DATABASE_URI=(uri := _database_uri(settings, app.instance_path)),
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(settings, uri, batch=not web),
        SESSION_COOKIE_NAME="idp_form",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
        WTF_CSRF_TIME_LIMIT=None,
        # two PDFs of files.max_size (S5, L10) and the form around them; anything larger is 413
        MAX_CONTENT_LENGTH=2 * settings.files.max_size + 1024 * 1024,
        BABEL_DEFAULT_LOCALE="zh_Hans_CN",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
    )
    if web and not settings.issuer.startswith("https://"):
        os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")
    if web:
        from .adapters.http import RequestsSender
        from .adapters.store import make_store

        store = store or make_store(settings.store_url, settings.store_prefix)
        sender = sender or RequestsSender()
    cipher = FieldCipher(settings.encryption_keys, settings.encryption_key_current)
    svc = Services(settings=settings, clock=clock or SystemClock(), cipher=cipher)
    svc.store, svc.sender = store, sender
    if web:
        _wire_adapters(svc)
    app.extensions["idp"] = svc
    passwords.configure(
        settings.passwords.argon2_time_cost,
        settings.passwords.argon2_memory_cost,
        settings.passwords.argon2_parallelism,
    )

    db.init_app(app)
    if web:
        _add_web(app, settings)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    return app


def _add_web(app: Flask, settings: Settings) -> None:
    """What only the full app has: migrations, forms, translations, the OAuth server, the pages
    and the ``idp`` commands."""
    from . import admin, cli, web
    from .extensions import babel, csrf, db, migrate
    from .protocol.server import create_server
    from .web.locale import select_locale

    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    _trust_proxies(app, settings.proxy.trusted_hops)
    from flask_babel import get_locale

    app.jinja_env.globals["get_locale"] = get_locale
    create_server(app)
    admin.register(app)  # before web.register: it wraps every view in the transaction
    web.register(app)
    cli.register(app)


def _trust_proxies(app: Flask, hops: int) -> None:
    """Client address and scheme from the last ``hops`` entries of X-Forwarded-For/-Proto, as
    the reverse proxies in front of the IdP wrote them; 0 trusts none (the socket peer is the
    client). X-Forwarded-Host and -Port are never read: every URL derives from the issuer."""
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0
        )


def _wire_adapters(svc) -> None:
    """The adapters the settings chose, behind the domain's ports (architecture: adapters/)."""
    from .adapters.captcha import make_captcha
    from .adapters.dispatch import make_dispatch
    from .adapters.enterprise import make_enterprise_verifier
    from .adapters.files import make_file_store
    from .adapters.messaging import make_mail_sender, make_sms_sender
    from .adapters.realname import make_realname_verifier
    from .adapters.sessions import SessionStore
    from .domain.trail import record
    from .domain.verification.codes import VerificationCodes

    settings, store, clock = svc.settings, svc.store, svc.clock
    svc.sessions = SessionStore(
        store, clock, settings.session.idle_timeout, settings.session.absolute_timeout
    )
    svc.captcha = make_captcha(settings, store, clock)
    svc.realname = make_realname_verifier(settings)
    svc.enterprise = make_enterprise_verifier(settings)
    svc.sms = make_sms_sender(settings, store, clock)
    svc.mail = make_mail_sender(settings, store, clock)
    svc.codes = VerificationCodes(
        store, clock, svc.sms, svc.mail, settings, dispatch=make_dispatch(settings), audit=record
    )
    svc.files = make_file_store(settings)
