"""Password hashes of the legacy online application system (L1), verified through passlib.

The import (``legacy_import``) turns each exported hash into one string that this module's
``CryptContext`` identifies: MD5 and SHA-256 hex, unsalted or salted (salt before or after the
password, the ``legacy.salt_position`` setting), MD5-crypt, bcrypt and PBKDF2-SHA256. A
successful legacy login then replaces it with argon2id (``passwords.hash_password``), so the
user types the same password and the weak hash is gone (L1). Formats: docs/legacy.md.
"""
from __future__ import annotations

import hashlib
import re

from passlib.context import CryptContext
from passlib.utils import handlers as uh

from . import passwords
from .errors import ValidationError


class _SaltedSha256(uh.HasSalt, uh.GenericHandler):
    """sha256(salt + password) hex; the salt is kept as the hex of its UTF-8 bytes so any
    character of a legacy salt survives the ``$`` separated string."""

    name = "legacy_sha256_prefix"
    ident = "$legacy-sha256-prefix$"
    checksum_chars = uh.LOWER_HEX_CHARS
    checksum_size = 64
    salt_chars = uh.LOWER_HEX_CHARS
    setting_kwds = ("salt",)
    digest = staticmethod(hashlib.sha256)
    min_salt_size, max_salt_size, default_salt_size = 2, 512, 32
    suffix = False

    @classmethod
    def from_string(cls, hash):
        salt, checksum = uh.parse_mc2(hash, cls.ident, handler=cls)
        return cls(salt=salt, checksum=checksum)

    def to_string(self):
        return uh.render_mc2(self.ident, self.salt, self.checksum)

    def _calc_checksum(self, secret):
        if isinstance(secret, str):
            secret = secret.encode("utf-8")
        salt = bytes.fromhex(self.salt)
        return self.digest(secret + salt if self.suffix else salt + secret).hexdigest()


class _SaltedSha256Suffix(_SaltedSha256):
    """sha256(password + salt) hex."""

    name = "legacy_sha256_suffix"
    ident = "$legacy-sha256-suffix$"
    suffix = True


class _SaltedMd5(_SaltedSha256):
    """md5(salt + password) hex: older exports salt MD5 the same way."""

    name = "legacy_md5_prefix"
    ident = "$legacy-md5-prefix$"
    checksum_size = 32
    digest = staticmethod(hashlib.md5)


class _SaltedMd5Suffix(_SaltedMd5):
    name = "legacy_md5_suffix"
    ident = "$legacy-md5-suffix$"
    suffix = True


CONTEXT = CryptContext(schemes=[
    _SaltedSha256, _SaltedSha256Suffix, _SaltedMd5, _SaltedMd5Suffix, "md5_crypt", "bcrypt", "pbkdf2_sha256",
    "django_pbkdf2_sha256", "hex_md5", "hex_sha256"])
FORMATS = ("md5", "salted_md5", "sha256", "salted_sha256", "md5_crypt", "bcrypt",
           "pbkdf2_sha256")
_HEX32, _HEX64 = re.compile(r"[0-9a-fA-F]{32}"), re.compile(r"[0-9a-fA-F]{64}")
_DETECT = (("md5_crypt", re.compile(r"\$1\$[./0-9A-Za-z]{1,8}\$[./0-9A-Za-z]{22}")),
           ("bcrypt", re.compile(r"\$2[aby]\$\d\d\$[./0-9A-Za-z]{53}")),
           ("pbkdf2_sha256", re.compile(r"(\$pbkdf2-sha256\$|pbkdf2_sha256\$)\S+")))


def to_stored(raw: str, salt: str | None, *, fmt: str = "auto",
              salt_position: str = "prefix") -> str:
    """The exported hash (and salt column) as a string ``CONTEXT`` verifies, or a
    ValidationError naming what is wrong (the import reports it with the line)."""
    raw, salt = (raw or "").strip(), (salt or "")
    if not raw:
        raise ValidationError("密码哈希为空。", "password_hash")
    found = _detect(raw, bool(salt))
    if found is None or (fmt != "auto" and found != fmt):
        raise ValidationError("无法识别的密码哈希格式。" if found is None else
                              f"密码哈希格式为 {found}，与设置的 {fmt} 不符。", "password_hash")
    if found in ("salted_sha256", "salted_md5"):
        if salt_position not in ("prefix", "suffix"):
            raise ValidationError("legacy.salt_position 只能是 prefix 或 suffix。", "password_salt")
        algorithm = "sha256" if found == "salted_sha256" else "md5"
        return f"$legacy-{algorithm}-{salt_position}${salt.encode('utf-8').hex()}${raw.lower()}"
    if found in ("md5", "sha256"):
        return raw.lower()
    if not CONTEXT.identify(raw):
        raise ValidationError("无法识别的密码哈希格式。", "password_hash")
    return raw


def _detect(raw: str, salted: bool) -> str | None:
    if _HEX32.fullmatch(raw):
        return "salted_md5" if salted else "md5"
    if _HEX64.fullmatch(raw):
        return "salted_sha256" if salted else "sha256"
    return next((name for name, pattern in _DETECT if pattern.fullmatch(raw)), None)


def verify(password: str, stored: str | None) -> bool:
    """True when ``password`` matches. Every call costs exactly one argon2id verification, so
    the time does not tell whether the account exists or which scheme its hash uses: argon2id
    (already upgraded) hashes go through ``passwords``; no hash pays the dummy verification;
    any other scheme is checked and pays the dummy verification as well, right or wrong. An
    unknown or broken hash is a mismatch, never an error."""
    if stored and stored.startswith("$argon2"):
        return passwords.verify(password or "", stored)
    passwords.burn(password or "")
    if not stored:
        return False
    try:
        return CONTEXT.verify(password or "", stored)
    except (ValueError, TypeError):
        return False


def matches_any(password: str, stored: list[str | None]) -> list[bool]:
    """Which of ``stored`` (the hashes of several legacy accounts one identifier names, L4)
    ``password`` matches. Costs one argon2id verification in all, like ``verify``, plus one
    per stored hash that is argon2id already; an unknown or broken hash is a mismatch."""
    if not any(s and s.startswith("$argon2") for s in stored):
        passwords.burn(password or "")
    return [_matches(password or "", s) for s in stored]


def _matches(password: str, stored: str | None) -> bool:
    if not stored:
        return False
    if stored.startswith("$argon2"):
        return passwords.verify(password, stored)
    try:
        return CONTEXT.verify(password, stored)
    except (ValueError, TypeError):
        return False


def is_legacy(stored: str) -> bool:
    """Still in a legacy format: the next successful login rehashes it (L1)."""
    return not stored.startswith("$argon2")
