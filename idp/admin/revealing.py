"""The page that shows one full ID number to a reviewer who re-authenticated (D5: masked
everywhere else). Shared by the review and appeal case pages; each view audits the reveal
(``admin.id_revealed``: subject and case, never the number) before calling ``revealed``."""

from __future__ import annotations

from flask import Response, make_response, render_template


def revealed(number: str | None, back: str, label: str) -> Response:
    """The reveal page: the full number once, never cached (``no-store``)."""
    response = make_response(
        render_template("admin/revealed.html", number=number, back=back, label=label)
    )
    response.headers["Cache-Control"] = "no-store"
    return response
