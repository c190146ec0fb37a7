"""The admin blueprint: ``/admin``, its own templates (``templates/admin/``)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
