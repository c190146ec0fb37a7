"""Serving a case's PDFs to reviewers (issue 12, "Reviews and appeals"), for the review and the
appeal case pages alike: only a file of that case (an id of another case's file finds nothing),
always as an attachment with ``nosniff`` and ``no-store`` (never rendered inline in the admin
origin)."""

from __future__ import annotations

import io
from collections.abc import Iterable

from flask import Response, abort, send_file

from ..domain.models import StoredFile
from ..domain.organisations import files


def case_file(own: Iterable[StoredFile | None], file_id: int) -> Response:
    """The case's file ``file_id`` among ``own`` (its files, None where it has none), or 404."""
    stored = next((f for f in own if f is not None and f.id == file_id), None)
    if stored is None:
        abort(404)
    response = send_file(
        io.BytesIO(files.read(stored)),
        mimetype=files.PDF,
        as_attachment=True,
        download_name=stored.original_name,
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
