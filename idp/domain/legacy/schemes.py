"""Declared password schemes of the legacy export (L1): what each exported hash is.

A scheme is declared by a spec string, per row (column ``password_scheme``) or per file
(``idp legacy import --password-scheme``, setting ``legacy.password_scheme``)::

    NAME[;KEY=VALUE]...      e.g.  sha1;salt=suffix   md5;salt={salt}{password};encoding=gbk

Names: ``md5``, ``sha1``, ``sha256``, ``sha512`` (hex digests; keys ``salt`` = ``none`` |
``prefix`` | ``suffix`` | a template with ``{salt}`` and ``{password}``, ``encoding`` =
``utf-8`` | ``gbk`` | ``gb18030``, ``case`` = ``any`` | ``lower`` | ``upper``), ``md5_crypt``,
``bcrypt``, ``pbkdf2`` (key ``iterations``: for Werkzeug strings that omit them). A ``;`` or
``\\`` inside a value is written ``\\;`` / ``\\\\``. ``parse_spec`` refuses anything else.

``stored_hash`` checks one row's hash against its scheme (or, with none declared, guesses from
the shape: only where one scheme fits) and returns the string ``legacy_hashes`` verifies, with
the row's warnings. A malformed or ambiguous hash never rejects the row: the account is kept
with ``legacy_hashes.UNUSABLE`` (no login with the old password; appeal, L10) and a warning
that names the problem, never the hash or salt. Table and choices: docs/legacy.md.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from passlib.hash import (
    django_pbkdf2_sha1,
    django_pbkdf2_sha256,
    md5_crypt,
    pbkdf2_sha1,
    pbkdf2_sha256,
    pbkdf2_sha512,
)
from passlib.utils.binary import ab64_encode

from ..errors import DomainError, Notice, ValidationError
from . import hashes as lh

HEX = {"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128}
NAMES = (*HEX, "md5_crypt", "bcrypt", "pbkdf2")
KEYS = {
    **{name: ("salt", "encoding", "case") for name in HEX},
    "md5_crypt": (),
    "bcrypt": (),
    "pbkdf2": ("iterations",),
}
MAX_SALT = 256  # characters
_TOKEN = re.compile(r"(\{salt\}|\{password\})")
_HEX_DIGITS = re.compile(r"[0-9a-fA-F]+")
_BCRYPT = re.compile(r"\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}")
_PBKDF2 = (pbkdf2_sha1, pbkdf2_sha256, pbkdf2_sha512, django_pbkdf2_sha256, django_pbkdf2_sha1)
_WERKZEUG = {"sha1": pbkdf2_sha1, "sha256": pbkdf2_sha256, "sha512": pbkdf2_sha512}


@dataclass(frozen=True)
class Scheme:
    name: str
    template: str = "{password}"  # hex digests: where the salt goes
    encoding: str = "utf-8"  # hex digests: the password's bytes
    case: str = "any"  # hex digests: the export's hex case (checked, not needed)
    iterations: int | None = None  # pbkdf2: Werkzeug strings without iterations

    @property
    def salted(self) -> bool:
        return "{salt}" in self.template


class Unusable(DomainError):
    """The row's hash cannot be verified; the code says why (never the hash or the salt)."""


@lru_cache(maxsize=256)
def parse_spec(spec: str) -> Scheme:
    """The scheme a spec string names, or a ValidationError saying what is wrong."""
    name, *pairs = _split(spec.strip())
    name = name.strip().lower()
    if name not in NAMES:
        raise ValidationError("scheme.unknown", "password_scheme", name=name, allowed=list(NAMES))
    values = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().lower()
        if not sep or key not in KEYS[name] or key in values:
            allowed = list(KEYS[name])  # none: told as "none"
            raise ValidationError(
                "scheme.parameter", "password_scheme", name=name, key=key, allowed=allowed
            )
        values[key] = value if key == "salt" else value.strip().lower()
    return Scheme(name, **_checked(name, values))


def _split(spec: str) -> list[str]:
    parts, current, chars = [], [], iter(spec)
    for ch in chars:
        if ch == "\\":
            current.append(next(chars, "\\"))
        elif ch == ";":
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    return parts + ["".join(current)]


def _checked(name: str, values: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "salt" in values:
        salt = values["salt"].strip()
        template = lh.PLACEMENTS.get(salt.lower(), values["salt"])
        literal = "".join(_TOKEN.split(template)[::2])
        if "{password}" not in template or "{" in literal or "}" in literal:
            raise ValidationError("scheme.salt", "password_scheme")
        out["template"] = template
    if "encoding" in values:
        encoding = {"utf8": "utf-8"}.get(values["encoding"], values["encoding"])
        if encoding not in lh.ENCODINGS:
            raise ValidationError("scheme.encoding", "password_scheme")
        out["encoding"] = encoding
    if "case" in values:
        if values["case"] not in ("any", "lower", "upper"):
            raise ValidationError("scheme.case", "password_scheme")
        out["case"] = values["case"]
    if "iterations" in values:
        text, top = values["iterations"], lh.MAX_PBKDF2_ITERATIONS
        if not (text.isascii() and text.isdigit() and 1 <= int(text) <= top):
            raise ValidationError("scheme.iterations", "password_scheme", top=top)
        out["iterations"] = int(text)
    literal = "".join(_TOKEN.split(out.get("template", ""))[::2])
    try:
        literal.encode(out.get("encoding", "utf-8"))
    except UnicodeEncodeError:
        raise ValidationError("scheme.salt_encoding", "password_scheme") from None
    return out


def stored_hash(raw: str, salt: str, spec: str) -> tuple[str, list[Notice]]:
    """The stored form of one exported hash and the row's warnings. ``spec`` is the row's
    declared scheme (its cell, else the file's default), "" when none: then the shape decides,
    and a shape that fits several schemes is reported, never picked."""
    raw = (raw or "").strip()
    try:
        if not f"{raw}{salt}".isascii():
            try:
                f"{raw}{salt}".encode()
            except UnicodeEncodeError:  # e.g. a lone surrogate from a JSON escape
                raise Unusable("hash.unencodable") from None
        if spec:
            try:
                scheme = parse_spec(spec)
            except ValidationError as exc:
                raise Unusable("hash.bad_scheme", reason=exc) from None
        else:
            scheme = guess(raw, salt)
        notes: list[Notice] = []
        stored = _convert(raw, salt, scheme, notes)
    except Unusable as exc:
        return lh.UNUSABLE, [Notice("import.hash_unusable", clause=Notice.of(exc))]
    return stored, notes


def guess(raw: str, salt: str) -> Scheme:
    """The one scheme the hash's shape fits (no scheme declared), else ``Unusable``."""
    if not raw:
        raise Unusable("hash.empty")
    for name, size in HEX.items():
        if len(raw) == size and _HEX_DIGITS.fullmatch(raw):
            if not salt:
                return Scheme(name)
            raise Unusable("hash.salted_hex", size=size, name=name)
    for name, matches in (
        ("md5_crypt", md5_crypt.identify),
        ("bcrypt", _is_bcrypt),
        ("pbkdf2", _is_pbkdf2),
    ):
        if matches(raw):
            return Scheme(name)
    raise Unusable("hash.unknown_shape")


def _is_bcrypt(raw: str) -> bool:
    return raw.startswith(("$2a$", "$2b$", "$2y$"))


def _is_pbkdf2(raw: str) -> bool:
    return raw.startswith(("$pbkdf2$", "$pbkdf2-", "pbkdf2_", "pbkdf2:", "pbkdf2$"))


def _convert(raw: str, salt: str, scheme: Scheme, notes: list[Notice]) -> str:
    if not raw:
        raise Unusable("hash.empty")
    if scheme.name in HEX:
        return _hex(raw, salt, scheme, notes)
    if salt:
        notes.append(Notice("hash.salt_in_hash", name=scheme.name))
    if scheme.name == "md5_crypt":
        return _checked_form(raw, md5_crypt, "md5_crypt")
    if scheme.name == "bcrypt":
        if not _BCRYPT.fullmatch(raw):
            raise Unusable("hash.bcrypt_format")
        return _checked_form(raw, lh.Bcrypt72, "bcrypt")
    if raw.startswith("pbkdf2:") or raw.startswith("pbkdf2$"):
        return _werkzeug(raw, scheme)
    handler = next((h for h in _PBKDF2 if h.identify(raw)), None)
    if handler is None:
        raise Unusable("hash.pbkdf2_format")
    return _checked_form(raw, handler, "pbkdf2")


def _hex(raw: str, salt: str, scheme: Scheme, notes: list[Notice]) -> str:
    size = HEX[scheme.name]
    if len(raw) != size or not _HEX_DIGITS.fullmatch(raw):
        raise Unusable("hash.hex_format", name=scheme.name, size=size)
    if len(salt) > MAX_SALT:
        raise Unusable("hash.salt_too_long", limit=MAX_SALT)
    try:
        salt.encode(scheme.encoding)
    except UnicodeEncodeError:
        raise Unusable("hash.salt_encoding", encoding=scheme.encoding) from None
    if scheme.case != "any" and raw != (raw.upper() if scheme.case == "upper" else raw.lower()):
        notes.append(Notice("hash.case", case=scheme.case))
    if salt and not scheme.salted:
        notes.append(Notice("hash.salt_unplaced", name=scheme.name))
    elif scheme.salted and not salt:
        notes.append(Notice("hash.salt_empty"))
    return lh.hex_string(
        scheme.name, scheme.encoding, scheme.template, salt if scheme.salted else "", raw.lower()
    )


def _checked_form(raw: str, handler: Any, label: str) -> str:
    """``raw`` when ``handler`` parses it and its work factor is affordable."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = handler.from_string(raw)
    except (ValueError, TypeError):
        parsed = None
    if parsed is None or not parsed.checksum:  # a bare setting string has no checksum
        raise Unusable("hash.format", scheme=label)
    if lh.too_costly(handler, parsed):
        raise Unusable(
            "hash.too_costly",
            scheme=label,
            cost=lh.MAX_BCRYPT_COST,
            iterations=lh.MAX_PBKDF2_ITERATIONS,
        )
    return raw


def _werkzeug(raw: str, scheme: Scheme) -> str:
    """Werkzeug's ``pbkdf2:<hash>:<iterations>$<salt>$<hex>`` as passlib's ``$pbkdf2-…$``
    string (same PBKDF2, the salt's UTF-8 bytes). Werkzeug's defaults: sha256 when the hash is
    omitted; omitted iterations changed between Werkzeug versions, so they must be declared
    (``pbkdf2;iterations=N``)."""
    parts = raw.split("$")
    method = parts[0].split(":")
    if len(parts) != 3 or len(method) > 3:
        raise Unusable("hash.werkzeug_format")
    hash_name = method[1].lower() if len(method) > 1 else "sha256"
    handler = _WERKZEUG.get(hash_name)
    if handler is None:
        raise Unusable("hash.werkzeug_digest", digest=hash_name[:10])
    if len(method) == 3:
        if not method[2].isascii() or not method[2].isdigit():
            raise Unusable("hash.werkzeug_iterations")
        iterations = int(method[2])
    elif scheme.iterations:
        iterations = scheme.iterations
    else:
        raise Unusable("hash.werkzeug_no_iterations")
    salt, checksum = parts[1].encode("utf-8"), parts[2]
    size = {"sha1": 20, "sha256": 32, "sha512": 64}[hash_name]
    if len(checksum) != size * 2 or not _HEX_DIGITS.fullmatch(checksum) or not salt:
        raise Unusable("hash.werkzeug_format")
    ident = handler.ident.rstrip("$")
    stored = "$".join(
        (
            ident,
            str(iterations),
            ab64_encode(salt).decode(),
            ab64_encode(bytes.fromhex(checksum)).decode(),
        )
    )
    return _checked_form(stored, handler, "pbkdf2")
