"""Asserting what a refusal says: domain errors carry a code (issue 10, item 5), and these
helpers read them in the words of idp/messages.py (the Chinese the pages and commands show)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from idp.messages import describe as said

__all__ = ["raises_saying", "said"]


@contextmanager
def raises_saying(kind: type[BaseException], pattern: str) -> Iterator[pytest.ExceptionInfo]:
    """``pytest.raises(kind, match=pattern)``, the pattern searched in the error's words."""
    with pytest.raises(kind) as info:
        yield info
    words = said(info.value)  # type: ignore[arg-type]
    assert re.search(pattern, words), f"{pattern!r} not in {words!r}"
