"""WSGI entry point for gunicorn: ``gunicorn 'idp.wsgi:app'`` (one app and worker thread per process)."""

from . import create_app
from .worker import start_worker

app = create_app()
start_worker(app)
