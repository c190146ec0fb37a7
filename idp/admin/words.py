"""The words of a domain refusal on the admin pages, in the visitor's language (the table of
``idp.messages`` through the site's English catalogue)."""

from __future__ import annotations

from flask_babel import gettext

from ..messages import Coded, describe


def message(reason: str | Coded) -> str:
    return describe(reason, gettext)
