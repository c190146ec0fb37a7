"""The address picker's data (S2): provinces, and the divisions under a code, as JSON.

``GET /divisions`` lists the provinces, ``GET /divisions/<code>/children`` the cities of a
province or the counties of a city ([] when the city has no county level, e.g. 东莞市). The
codes change only with a new data release, so responses are public and cacheable
(``divisions.cache_max_age``) with an ETag.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _

from ..domain.identity import address
from ..services import services

bp = Blueprint("divisions", __name__)


@bp.get("/divisions")
def provinces():
    return _listing(address.provinces())


@bp.get("/divisions/<code>/children")
def children(code: str):
    if address.get(code) is None:
        response = jsonify(error="not_found", message=_("行政区划代码不存在。"))
        response.status_code = 404
        response.headers["Cache-Control"] = "no-store"
        return response
    return _listing(address.children(code))


def _listing(divisions):
    response = jsonify([{"code": d.code, "name": d.name} for d in divisions])
    max_age = services().settings.divisions.cache_max_age
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.add_etag()
    return response.make_conditional(request)
