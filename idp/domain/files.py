"""Accepting uploaded PDFs (S5: the handler's identity proof, the entity's qualification).

Only PDF is accepted, checked twice: the header (``%PDF-``) and a strict parse with pypdf that
must find at least one page — a renamed file or a body of garbage behind a PDF header is
refused. The size limit is ``files.max_size``. The bytes go to the ``FileStore`` port under a
generated name (outside the web root); a ``StoredFile`` row records name, size and SHA-256.
The caller commits the row with the rest of its transaction; ``discard`` undoes a save whose
transaction failed.
"""
from __future__ import annotations

import hashlib
import io
import warnings

from pypdf import PdfReader

from ..extensions import db
from ..services import services
from .errors import ValidationError
from .models import StoredFile
from .models._types import from_timestamp

PDF = "application/pdf"


def check_pdf(data: bytes, field: str) -> None:
    """A ValidationError unless ``data`` is a readable PDF within the size limit."""
    limit = int(services().settings["files.max_size"])
    if not data:
        raise ValidationError("请上传 PDF 格式的文件。", field)
    if len(data) > limit:
        raise ValidationError(f"文件过大：不能超过 {limit // (1024 * 1024) or 1} MB。", field)
    if not data.startswith(b"%PDF-"):
        raise ValidationError("只能上传 PDF 格式的文件。", field)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pages = len(PdfReader(io.BytesIO(data), strict=True).pages)
    except Exception:  # pypdf raises many kinds of error on a damaged file
        pages = 0
    if pages < 1:
        raise ValidationError("文件已损坏或不是有效的 PDF 文件，请重新上传。", field)


def store_pdf(data: bytes, filename: str, field: str) -> StoredFile:
    """Check and keep one uploaded PDF; the row is added to the session, not committed."""
    check_pdf(data, field)
    svc = services()
    name = svc.extras["files"].save(data)
    row = StoredFile(storage_name=name, original_name=(filename or "upload.pdf")[-255:],
                     content_type=PDF, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                     created_at=from_timestamp(svc.clock.now()))
    db.session.add(row)
    return row


def read(stored: StoredFile) -> bytes:
    return services().extras["files"].read(stored.storage_name)


def discard(*stored: StoredFile) -> None:
    """Remove saved files whose database transaction was rolled back."""
    for row in stored:
        services().extras["files"].delete(row.storage_name)
