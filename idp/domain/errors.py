"""Domain errors are told by a code and its parameters, never by words (issue 10, item 5).

A code is a short dotted ASCII identifier (``"phone.taken"``, ``"id_number.checksum"``): stable,
so it can appear in logs and the admin area. Numbers and names the words need travel as
parameters (``limit=5``, ``minutes=10``). The web layer (``idp/web/messages.py``) owns the words
and their translations; ``field`` says which form field the error belongs to, where one does.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any


class DomainError(Exception):
    def __init__(self, code: str, field: str | None = None, **params: Any):
        super().__init__(code)
        self.code = code
        self.field = field
        self.params = params


class ValidationError(DomainError):
    pass


class Conflict(DomainError):
    pass


Reason = str | DomainError
"""One entry of an errors mapping (field -> reason): a bare code, or the error with its params."""



def _code(error: DomainError) -> str:
    return error.code


_words: Callable[[DomainError], str] = _code


def describe(error: DomainError) -> str:
    """Transitional, for the import reports only (issue 10, item 5, not done there): the legacy
    and register imports still write their warnings as Chinese sentences, and where a sentence
    quotes a refusal it asks here for the refusal's words. ``create_app`` installs
    ``idp.messages.describe`` (the Chinese table) with ``set_describer``; the domain holds no
    words itself."""
    return _words(error)


def set_describer(words: Callable[[DomainError], str]) -> None:
    global _words
    _words = words
