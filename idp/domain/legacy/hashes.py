"""Password hashes of the legacy online application system (L1), verified through passlib.

The import (``legacy_schemes.stored_hash``) turns each exported hash, read by its declared
scheme, into one string this module's ``CONTEXT`` identifies:

- ``$legacy-hex$<digest>$<encoding>$<placement>$<salt hex>$<hex digest>``: MD5, SHA-1,
  SHA-256 or SHA-512 of the password (encoded as utf-8, gbk or gb18030) with the salt before
  it (``prefix``), after it (``suffix``), not at all (``none``) or where a template puts it
  (``tpl.`` + the hex of the template's UTF-8); the salt as the hex of its UTF-8 bytes, so any
  character of a legacy salt survives the ``$``-separated string;
- MD5-crypt ``$1$``, bcrypt ``$2a$``/``$2b$``/``$2y$`` (only the first 72 bytes of the password
  count, as in the legacy systems), PBKDF2 as passlib writes it (``$pbkdf2$``,
  ``$pbkdf2-sha256$``, ``$pbkdf2-sha512$``) or as Django does (``pbkdf2_sha256$``,
  ``pbkdf2_sha1$``); Werkzeug's form is converted to passlib's at import;
- the forms earlier imports stored (plain MD5/SHA-256 hex, ``$legacy-md5-prefix$`` ...), so
  accounts already in the database keep verifying;
- ``UNUSABLE``: a malformed or ambiguous export hash; it never verifies.

A successful legacy login replaces any of them with argon2id (``passwords.hash_password``), so
the user types the same password and the weak hash is gone (L1). Formats: docs/legacy.md.
"""

from __future__ import annotations

import hashlib
from typing import Any, Self, cast

from passlib.context import CryptContext
from passlib.hash import bcrypt as _bcrypt
from passlib.utils import consteq
from passlib.utils import handlers as uh

from ..accounts import passwords

UNUSABLE = "!legacy-unusable"  # no handler identifies it: verify() is False, at full cost
DIGESTS = ("md5", "sha1", "sha256", "sha512")
ENCODINGS = ("utf-8", "gbk", "gb18030")
PLACEMENTS = {"none": "{password}", "prefix": "{salt}{password}", "suffix": "{password}{salt}"}
MAX_BCRYPT_COST = 13  # 2^13 rounds: well under a second; legacy systems used 10-12
MAX_PBKDF2_ITERATIONS = 1_000_000


def render(template: str, password: str, salt: str) -> str:
    """The text a salted legacy digest hashed: ``template`` with ``{salt}`` and ``{password}``
    replaced (in one pass, so a password containing ``{salt}`` stays as typed)."""
    parts = template.split("{password}")
    return password.join(part.replace("{salt}", salt) for part in parts)


def hex_string(digest: str, encoding: str, template: str, salt: str, checksum: str) -> str:
    """The ``$legacy-hex$`` string of a hex digest (``checksum``: lower-case hex of the
    digest's size, checked by the caller). A function, not the handler's constructor, so the
    import writes a million of them without passlib's per-object checks."""
    placement = next(
        (k for k, v in PLACEMENTS.items() if v == template), "tpl." + template.encode("utf-8").hex()
    )
    return "$".join(
        ("$legacy-hex", digest, encoding, placement, salt.encode("utf-8").hex(), checksum)
    )


class _LegacyHex(uh.GenericHandler):
    """A hex digest of the password, salted as its template says, in its declared encoding.
    A password the encoding cannot represent matches nothing (the legacy system could not
    have stored it)."""

    name = "legacy_hex"
    ident = "$legacy-hex$"
    setting_kwds = ()
    checksum_chars = uh.LOWER_HEX_CHARS

    def __init__(
        self,
        digest: str = "md5",
        encoding: str = "utf-8",
        template: str = "{password}",
        salt: str = "",
        **kwds: Any,
    ) -> None:
        super().__init__(**kwds)
        self.digest, self.encoding, self.template, self.salt = digest, encoding, template, salt

    @classmethod
    def from_string(cls, hash: str | bytes) -> Self:
        hash = cast(str, uh.to_unicode_for_identify(hash))
        fields = hash[len(cls.ident) :].split("$") if hash.startswith(cls.ident) else []
        if len(fields) != 5:
            raise uh.exc.InvalidHashError(cls)
        digest, encoding, placement, salt, checksum = fields
        template = PLACEMENTS.get(placement)
        if template is None and placement.startswith("tpl."):
            template = bytes.fromhex(placement[4:]).decode("utf-8")
        if digest not in DIGESTS or encoding not in ENCODINGS or template is None:
            raise uh.exc.MalformedHashError(cls)
        if len(checksum) != hashlib.new(digest).digest_size * 2:
            raise uh.exc.ChecksumSizeError(cls)
        return cls(
            digest, encoding, template, bytes.fromhex(salt).decode("utf-8"), checksum=checksum
        )

    def to_string(self) -> str:
        return hex_string(self.digest, self.encoding, self.template, self.salt, self.checksum)

    def _calc_checksum(self, secret: str | bytes) -> str:
        if isinstance(secret, bytes):
            secret = secret.decode("utf-8")
        try:
            data = render(self.template, secret, self.salt).encode(self.encoding)
        except UnicodeEncodeError:
            return ""  # compares unequal to every checksum
        return hashlib.new(self.digest, data).hexdigest()

    @classmethod
    def verify(cls, secret: str | bytes, hash: str | bytes) -> bool:
        uh.validate_secret(secret)
        self = cls.from_string(hash)
        return bool(consteq(self._calc_checksum(secret), self.checksum))


class _SaltedSha256(uh.HasSalt, uh.GenericHandler):
    """Earlier imports' form (kept verifying): sha256(salt + password) hex over UTF-8, the salt
    as the hex of its UTF-8 bytes."""

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
    def from_string(cls, hash: str | bytes) -> Self:
        salt, checksum = uh.parse_mc2(hash, cls.ident, handler=cls)
        return cls(salt=salt, checksum=checksum)

    def to_string(self) -> str:
        return str(uh.render_mc2(self.ident, self.salt, self.checksum))

    def _calc_checksum(self, secret: str | bytes) -> str:
        if isinstance(secret, str):
            secret = secret.encode("utf-8")
        salt = bytes.fromhex(self.salt)
        return self.digest(secret + salt if self.suffix else salt + secret).hexdigest()


class _SaltedSha256Suffix(_SaltedSha256):
    name, ident, suffix = "legacy_sha256_suffix", "$legacy-sha256-suffix$", True


class _SaltedMd5(_SaltedSha256):
    name, ident, checksum_size = "legacy_md5_prefix", "$legacy-md5-prefix$", 32
    digest = staticmethod(hashlib.md5)


class _SaltedMd5Suffix(_SaltedMd5):
    name, ident, suffix = "legacy_md5_suffix", "$legacy-md5-suffix$", True


class Bcrypt72(_bcrypt):
    """bcrypt as the legacy systems used it: only the first 72 bytes of the UTF-8 password
    count. The bcrypt package (5.x) refuses longer input instead of ignoring the rest, so the
    truncation is explicit, and for this scheme only."""

    name = "legacy_bcrypt"

    @classmethod
    def verify(cls, secret: str | bytes, hash: str | bytes) -> bool:
        if isinstance(secret, str):
            secret = secret.encode("utf-8")
        return bool(_bcrypt.verify(secret[:72], hash))


CONTEXT = CryptContext(
    schemes=[
        _LegacyHex,
        Bcrypt72,
        "md5_crypt",
        "pbkdf2_sha1",
        "pbkdf2_sha256",
        "pbkdf2_sha512",
        "django_pbkdf2_sha256",
        "django_pbkdf2_sha1",
        _SaltedSha256,
        _SaltedSha256Suffix,
        _SaltedMd5,
        _SaltedMd5Suffix,
        "hex_md5",
        "hex_sha256",
    ]
)


def too_costly(handler: Any, parsed: Any) -> bool:
    """A work factor beyond what any legacy system used: a hostile or broken export must not
    make one login burn seconds of CPU (refused at import, and never run at login)."""
    rounds = getattr(parsed, "rounds", 0) or 0
    if handler.name == Bcrypt72.name:
        return rounds > MAX_BCRYPT_COST
    return "pbkdf2" in handler.name and rounds > MAX_PBKDF2_ITERATIONS


def verify(password: str, stored: str | None) -> bool:
    """True when ``password`` matches. Every call costs exactly one argon2id verification, so
    the time does not tell whether the account exists or which scheme its hash uses: argon2id
    (already upgraded) hashes go through ``passwords``; no hash pays the dummy verification;
    any other scheme is checked and pays the dummy verification as well, right or wrong. An
    unknown, unusable or broken hash is a mismatch, never an error."""
    return matches_any(password, [stored])[0]


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
        handler = CONTEXT.identify(stored, resolve=True, required=False)
        if handler is None or too_costly(handler, handler.from_string(stored)):
            return False
        return bool(CONTEXT.verify(password, stored))
    except (ValueError, TypeError, UnicodeError):
        return False


def is_legacy(stored: str) -> bool:
    """Still in a legacy format: the next successful login rehashes it (L1)."""
    return not stored.startswith("$argon2")
