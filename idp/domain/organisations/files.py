"""Accepting uploaded PDFs (S5: the handler's identity proof, the entity's qualification).

Only PDF is accepted, checked twice: the header (``%PDF-``) and a strict parse with pypdf that
must find at least one page — a renamed file or a body of garbage behind a PDF header is
refused. A file that needs a password to open is refused (the office could not read it), and
so is one with scripts, automatic actions or embedded files (``pdf_content``). The size limit
is ``files.max_size``. The name the browser sent is kept only as ``safe_filename`` makes it. The bytes go to the ``FileStore`` port under a
generated name (outside the web root); a ``StoredFile`` row records name, size and SHA-256.
The caller commits the row with the rest of its transaction; ``discard`` undoes a save whose
transaction failed.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import warnings

from pypdf import PdfReader

from ...extensions import db
from ...services import services
from ..errors import ValidationError
from ..identity import names
from ..models import StoredFile
from ..models._types import from_timestamp
from . import pdf_content

PDF = "application/pdf"
ACTIVE_MESSAGE = "pdf.active_content"
ENCRYPTED_MESSAGE = "pdf.encrypted"
DAMAGED_MESSAGE = "pdf.damaged"
COMPLEX_MESSAGE = "pdf.too_complex"
NAME_MAX = 100  # characters of a kept file name, ".pdf" included
_UNSAFE = re.compile(r'[<>:"|?*]')  # not allowed in Windows file names, where files are opened


def check_pdf(data: bytes, field: str) -> None:
    """A ValidationError unless ``data`` is a readable PDF within the size limit, opens without
    a password and has no active content (``pdf_content``)."""
    limit = services().settings.files.max_size
    if not data:
        raise ValidationError("pdf.missing", field)
    if len(data) > limit:
        raise ValidationError("pdf.too_large", field, limit=limit // (1024 * 1024) or 1)
    if not data.startswith(b"%PDF-"):
        raise ValidationError("pdf.not_pdf", field)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=True)
            if reader.is_encrypted and not reader.decrypt(""):  # an owner password alone opens
                raise ValidationError(ENCRYPTED_MESSAGE, field)
            pages = len(reader.pages)
            active = pdf_content.active_content(reader) if pages else None
    except ValidationError:
        raise
    except pdf_content.TooComplex:
        raise ValidationError(COMPLEX_MESSAGE, field) from None
    except Exception:  # pypdf raises many kinds of error on a damaged file
        pages = 0
    if pages < 1:
        raise ValidationError(DAMAGED_MESSAGE, field)
    if active is not None:
        raise ValidationError(ACTIVE_MESSAGE, field)


def safe_filename(filename: str | None) -> str:
    """The uploaded file's name as kept: the last path component only (no / or \\), without
    control or format characters (``names.INVISIBLE``) and characters Windows refuses, at most
    ``NAME_MAX`` characters, always ending in ``.pdf``; ``upload.pdf`` when nothing is left."""
    base = re.split(r"[/\\]", filename or "")[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch) not in names.INVISIBLE)
    base = _UNSAFE.sub("_", " ".join(base.split()))
    stem = base[:-4] if base.lower().endswith(".pdf") else base
    stem = stem.strip(" .")[: NAME_MAX - 4].rstrip(" .")
    return (stem or "upload") + ".pdf"


def store_pdf(data: bytes, filename: str, field: str) -> StoredFile:
    """Check and keep one uploaded PDF; the row is added to the session, not committed."""
    check_pdf(data, field)
    svc = services()
    name = svc.files.save(data)
    row = StoredFile(
        storage_name=name,
        original_name=safe_filename(filename),
        content_type=PDF,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        created_at=from_timestamp(svc.clock.now()),
    )
    db.session.add(row)
    return row


def read(stored: StoredFile) -> bytes:
    return services().files.read(stored.storage_name)


def discard(*stored: StoredFile) -> None:
    """Remove saved files whose database transaction was rolled back."""
    for row in stored:
        services().files.delete(row.storage_name)
