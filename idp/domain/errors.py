"""Domain errors are told by a code and its parameters, never by words (issue 10, item 5).

A code is a short dotted ASCII identifier (``"phone.taken"``, ``"id_number.checksum"``): stable,
so it can appear in logs and the admin area. Numbers and names the words need travel as
parameters (``limit=5``, ``minutes=10``). The web layer (``idp/web/messages.py``) owns the words
and their translations; ``field`` says which form field the error belongs to, where one does.
"""

from __future__ import annotations

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


class Notice:
    """One entry of an import report (a rejected row, a dropped field, an ignored column): a code
    and its parameters, like an error but not raised (issue 10, item 5). The batch commands turn
    it into words with ``idp.messages.describe``. Built only when there is something to report,
    so rows without warnings cost nothing; plain data, so it crosses to and from the import's
    worker processes (an exception would lose its parameters when pickled)."""

    __slots__ = ("code", "params")

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params

    @classmethod
    def of(cls, error: DomainError) -> Notice:
        """The error as a report entry; parameters that are errors become notices too."""
        return cls(
            error.code,
            **{
                name: cls.of(value) if isinstance(value, DomainError) else value
                for name, value in error.params.items()
            },
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Notice) and (self.code, self.params) == (other.code, other.params)

    __hash__ = None  # type: ignore[assignment]  # mutable params: compared, never hashed

    def __repr__(self) -> str:
        return f"Notice({self.code!r}, **{self.params!r})"
