"""Unbound Flask extensions, bound in ``create_app``.

``db`` is built on import; ``migrate``, ``csrf`` and ``babel`` on first use (PEP 562), so that a
batch command's app (``create_app(web=False)``: the database and the services only) never
imports Flask-Migrate and Alembic, Flask-WTF or Flask-Babel (issue 9: the register import's
peak memory is mostly the libraries loaded before its first row).
"""

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


def _migrate():
    from flask_migrate import Migrate

    return Migrate()


def _csrf():
    from flask_wtf import CSRFProtect

    return CSRFProtect()


def _babel():
    from flask_babel import Babel

    return Babel()


_LAZY = {"migrate": _migrate, "csrf": _csrf, "babel": _babel}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = globals()[name] = _LAZY[name]()
    return value
