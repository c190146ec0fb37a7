"""Names of persons and organisations as typed (S2, S4–S6, P3, L1, L10).

``check_name`` is the one rule every form that takes a name uses — registration and
supplementation of natural persons and organisations, the legal representative, handlers,
appeals: whitespace runs become one space, the text is put in Unicode NFC
(so a name typed with combining accents and one typed precomposed are the same name), and it
is refused when it

- holds a control or format character (Unicode categories Cc, Cf, Cs): NUL, bidi overrides
  such as U+202E, zero-width space and joiners, the byte-order mark — invisible characters
  that make two names look alike on screen while comparing different;
- holds no letter (category L*): "123", "···" or punctuation alone is not a name;
- is longer than its limit (the column's size).

Names are not folded further: full-width Latin letters, variation selectors of rare CJK
characters (category Mn) and private-use characters some legacy systems use for rare
characters are kept, since the national real-name verifier compares the name as written.

The legacy import does not refuse the names the old system took (L1: its accounts must keep
working): ``legacy_rows`` keeps them, removing invisible characters with a warning.
"""

from __future__ import annotations

import unicodedata

from ..errors import ValidationError

INVISIBLE = frozenset(("Cc", "Cf", "Cs"))


def name_problem(value: str, limit: int) -> str | None:
    """Which rule ``value`` (already collapsed and NFC) breaks: ``empty``, ``too-long``,
    ``invisible-character`` or ``no-letter``; None when it is a good name."""
    if not value:
        return "empty"
    if len(value) > limit:
        return "too-long"
    if any(unicodedata.category(ch) in INVISIBLE for ch in value):
        return "invisible-character"
    if not any(unicodedata.category(ch).startswith("L") for ch in value):
        return "no-letter"
    return None


def clean(value: str | None) -> str:
    """Whitespace runs as one space, no space at either end, NFC."""
    return unicodedata.normalize("NFC", " ".join((value or "").split()))


def check_name(
    value: str | None, field: str = "name", label: str = "name", limit: int = 100
) -> str:
    """The name as it is stored, or a ValidationError on ``field`` saying what is wrong;
    ``label`` is the key of the name's words (web/messages.py LABELS)."""
    name = clean(value)
    problem = name_problem(name, limit)
    if problem in ("empty", "too-long"):
        raise ValidationError("name.missing", field, label=label, limit=limit)
    if problem == "invisible-character":
        raise ValidationError("name.invisible", field, label=label)
    if problem == "no-letter":
        raise ValidationError("name.no_letter", field, label=label)
    return name
