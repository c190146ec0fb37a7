"""WSGI entry point for gunicorn: ``gunicorn 'idp.wsgi:app'`` (one app and worker thread per
process). The key material is proven before the app serves (``idp.startup``)."""

from . import create_app
from .startup import prove_keys
from .worker import start_worker

app = create_app()
prove_keys(app)
start_worker(app)
