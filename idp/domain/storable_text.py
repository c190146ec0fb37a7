"""Text the database can keep: the request-wide check that refuses hostile input with a 400.

PostgreSQL refuses U+0000 in ``text`` values, and a lone surrogate (U+D800–U+DFFF) cannot be
encoded as UTF-8 at all; either one reaching a query fails the statement, which would be a 500.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> bool:
    """Whether ``text`` can be stored in a PostgreSQL text column and encoded as UTF-8."""
    return _UNSTORABLE.search(text) is None


def form_encoding_is_utf8(raw: bytes) -> bool:
    """Whether every name and value of an ``application/x-www-form-urlencoded`` string (a query
    string or a form body) is valid UTF-8 once percent-decoded. Invalid sequences (``%FF``,
    an encoded surrogate ``%ED%A0%80``) would otherwise reach the views as look-alike text."""
    for part in raw.replace(b"+", b" ").split(b"&"):
        for piece in part.split(b"=", 1):
            try:
                unquote_to_bytes(piece).decode("utf-8")
            except UnicodeDecodeError:
                return False
    return True
