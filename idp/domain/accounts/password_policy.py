"""Password policy for passwords set here (accounts issue: "Passwords").

8–64 characters with at least three of the four classes upper case, lower case, digits and
symbols (the office's security level requires complexity); not a common password; not
containing this system's own words (cnipa, 商标, trademark) nor the user's own mobile or ID
number. No forced rotation: a password that passed stays valid until the user changes it.
Hashing (argon2id) lives in ``passwords``; this module only decides what may be set.

Classes count ASCII letters and digits; every other character (punctuation, a space, a Chinese
character, a full-width letter) counts as a symbol. The blocklist file says where it came from.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from ..errors import ValidationError
from ..identity import documents

MIN_LENGTH, MAX_LENGTH = 8, 64
MIN_CLASSES = 3
BLOCKLIST_FILE = Path(__file__).parent.parent / "data" / "common_passwords.txt"
SYSTEM_WORDS = ("cnipa", "商标", "trademark")
# Shorter context strings are ignored: a 2-character fragment would refuse half of all passwords.
MIN_CONTEXT_LENGTH = 4

_CLASSES = (
    ("upper", lambda c: "A" <= c <= "Z"),
    ("lower", lambda c: "a" <= c <= "z"),
    ("digit", lambda c: "0" <= c <= "9"),
    ("symbol", lambda c: not ("A" <= c <= "Z" or "a" <= c <= "z" or "0" <= c <= "9")),
)


def _fail(code: str, **params: int | list[str]) -> None:
    raise ValidationError(code, "password", **params)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The blocklist, case-folded; lines starting with "# " are comments."""
    lines = BLOCKLIST_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.casefold() for line in lines if line and not line.startswith("# ") and line != "#"
    )


def missing_classes(password: str) -> list[str]:
    """Keys of the character classes the password lacks (upper, lower, digit, symbol), in the
    order the message lists them."""
    return [name for name, test in _CLASSES if not any(test(c) for c in password)]


def check_password(password: str, *, context: Iterable[str | None] = ()) -> None:
    """Refuse a password that breaks the policy, the code naming the unmet requirement.

    ``context`` holds the user's own identifiers (mobile, ID number); blanks are skipped.
    """
    password = password or ""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        _fail("password.length", min=MIN_LENGTH, max=MAX_LENGTH, length=len(password))
    missing = missing_classes(password)
    if len(_CLASSES) - len(missing) < MIN_CLASSES:
        _fail("password.classes", missing=missing)
    folded = password.casefold()
    if folded in common_passwords():
        _fail("password.common")
    if any(word in folded for word in SYSTEM_WORDS):
        _fail("password.system_word")
    for value in context:
        own = documents.normalize(value or "").casefold()
        if own.startswith("+86"):
            own = own[3:]
        if len(own) >= MIN_CONTEXT_LENGTH and own in documents.normalize(password).casefold():
            _fail("password.own_identifier")
