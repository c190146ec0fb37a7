"""One row of the legacy export, read and checked without touching the database (L1).

``digest`` is the keyed digest of a record as the file spells it (``files.RAW``), computed before
anything else so that the import skips an unchanged row without parsing, encrypting or hashing
anything (L1).
``parse`` turns a row (a dict of column -> text, from CSV or JSON lines) into a ``LegacyRow``:
the column values of ``LegacyAccount`` and the warnings about dirty fields. Only what makes an
account unusable rejects the row (``ValidationError``): no legacy id (or one longer than 64
characters), an unknown type, no readable registration time (L2 needs it). Every account the
old system accepted must work here, so a password hash that does not fit its scheme keeps the
account with an unusable hash and a warning (``legacy_schemes.stored_hash``; appeal, L10), a
name the old system took is kept (invisible characters removed, with a warning), and identity
and contact data (wrong check characters, bad mobiles) are dropped with a warning, the account
kept; a first-generation 15-digit resident ID number is converted to 18 digits (warning).
Warnings are ``Notice`` codes with parameters (their words: ``idp/messages.py``); they never
carry a secret or a whole document number. Columns and formats: docs/legacy.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from ...services import Services, services
from .. import purposes
from ..errors import Notice, ValidationError
from ..identity import contacts, documents, emails, names
from ..identity.identifiers import BEIJING, fold_full_width, upgrade_15_digit_id
from ..models.legacy import AGENCY, KINDS
from . import hashes as legacy_hashes
from . import schemes as legacy_schemes
from .ids import account_key

REQUIRED = ("legacy_id", "type", "name", "registered_at", "password_hash")
OPTIONAL = (
    "id_type",
    "id_number",
    "uscc",
    "filed_uscc",
    "mobile",
    "email",
    "province",
    "city",
    "county",
    "street",
    "postal_code",
    "password_salt",
    "designated",
    "password_scheme",
)
COLUMNS = REQUIRED + OPTIONAL
ADDRESS = ("province", "city", "county", "street", "postal_code")
VERBATIM = frozenset(("name",) + ADDRESS)
KIND_NAMES = {
    "自然人": "natural",
    "法人": "legal",
    "代理机构": "agency",
    "简易用户": "simple",
    # other labels legacy exports use for the same four types
    "个人": "natural",
    "个人用户": "natural",
    "自然人用户": "natural",
    "法人用户": "legal",
    "法人单位": "legal",
    "代理机构用户": "agency",
    "商标代理机构": "agency",
    "简易": "simple",
}
ID_TYPE_NAMES = {label: key for key, label in documents.ID_TYPES.items()}
TRUE, FALSE = {"1", "true", "yes", "y", "是"}, {"0", "false", "no", "n", "否"}
ID_INDEX, USCC_INDEX, ROW_DIGEST = purposes.ID_NUMBER, purposes.USCC, purposes.LEGACY_ROW
UPGRADED = Notice("import.id_upgraded")
NAME_LIMIT = 200  # the column's size
# raise when ``parse`` reads the same cells differently: the next import then re-reads every row
DIGEST_VERSION = "3"
PASSWORD = ("password_hash", "password_salt", "password_scheme")
SPOILED_HASH = Notice("import.hash_unusable", clause=Notice("hash.undecodable"))


@dataclass
class Context:
    """What every row of one import shares: settings, services, today, the digest key."""

    svc: Services
    today: dt.date
    digest_key: bytes
    password_scheme: str = ""  # the file's default scheme (``--password-scheme``); "" = none

    @classmethod
    def current(cls, password_scheme: str | None = None) -> Context:
        """``password_scheme`` None: the ``legacy.password_scheme`` setting. An invalid one
        raises ValidationError before any row is read (nothing written)."""
        svc = services()
        if password_scheme is None:
            password_scheme = svc.settings.legacy.password_scheme
        password_scheme = password_scheme.strip()
        if password_scheme:
            try:
                legacy_schemes.parse_spec(password_scheme)
            except ValidationError as exc:
                raise ValidationError("import.default_scheme", exc.field, reason=exc) from None
        key = svc.settings.secrets.blind_index_key.encode()
        # keyed, as blind indexes are: the digested record holds ID numbers (D5); what else
        # decides how a row is read (the file's default scheme) is in the key, so declaring a
        # scheme later re-reads every row
        digest_key = hmac.new(
            key,
            "\x00".join((ROW_DIGEST, DIGEST_VERSION, password_scheme)).encode(),
            hashlib.sha256,
        ).digest()
        return cls(svc, documents.beijing_date(svc.clock.now()), digest_key, password_scheme)


@dataclass
class LegacyRow:
    key: str
    values: dict[str, Any]
    warnings: list[Notice] = field(default_factory=list)


def digest(record: str, ctx: Context, extra: str = "") -> str:
    """The keyed digest (BLAKE2b, keyed by the import's ``digest_key``) of a record as the file
    spells it (``files.RAW``: the CSV header and the record's values, or the JSON line), of
    the settings in ``ctx`` and of ``extra`` (what the import took from elsewhere for this row,
    e.g. the register's filed USCC). Equal digests mean an equal import, so an unchanged row is
    skipped without ``parse``; a record spelt otherwise (spaces, quoting) is read again and,
    its values being equal, changes nothing but the stored digest."""
    data = (record + "\x1e" + extra).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, key=ctx.digest_key, digest_size=32).hexdigest()


def key_of(row: dict[str, Any]) -> str:
    """The account key of the row's legacy id (``legacy.account_key``), before any check."""
    return account_key(text(row.get("legacy_id")))


def kind_of(value: object) -> str | None:
    """``natural``, ``legal``, ``agency`` or ``simple`` for the type cell, None when unknown."""
    value = text(value, "type")
    kind = KIND_NAMES.get(value, value.lower())
    return kind if kind in KINDS else None


def text(value: object, column: str = "") -> str:
    """A cell as trimmed text (JSON numbers and booleans as written in CSV); in codes and numbers
    full-width forms are folded to ASCII (``fold_full_width``: other scripts' digits stay, and
    the validators refuse them), names and addresses kept as written."""
    if value is None:
        return ""
    if isinstance(value, bool):
        value = "1" if value else "0"
    value = str(value).strip()
    if value.isascii() or column in VERBATIM:
        return value
    return fold_full_width(value)


def parse(row: dict[str, Any], ctx: Context, filed_uscc_bidx: str | None = None) -> LegacyRow:
    """The row as ``LegacyAccount`` values, or ValidationError. ``filed_uscc_bidx``: the filed
    USCC's blind index the import found on the agency filing register, used for an agency row
    without a ``filed_uscc`` cell."""
    cells = {
        c: v.strip() if v.__class__ is str and v.isascii() else text(v, c)
        for c, v in zip(COLUMNS, map(row.get, COLUMNS))
    }  # ``text``, its common case first
    salt = row.get("password_salt")
    cells["password_salt"] = "" if salt is None else str(salt)  # salts are taken verbatim
    cells["password_scheme"] = str(row.get("password_scheme") or "").strip()  # templates too
    warnings = _undecodable(cells)
    account, key = cells["legacy_id"], account_key(cells["legacy_id"])
    if not 1 <= len(key) <= 64 or len(account) > 64:
        raise ValidationError("import.legacy_id", "legacy_id")
    kind = kind_of(cells["type"])
    if kind is None:
        raise ValidationError("import.type", "type")
    registered_at = parse_time(cells["registered_at"])
    if cells["password_hash"] is None:  # spoiled by undecodable bytes (``_undecodable``)
        password_hash, notes = legacy_hashes.UNUSABLE, [SPOILED_HASH]
    else:
        password_hash, notes = legacy_schemes.stored_hash(
            cells["password_hash"],
            cells["password_salt"],
            cells["password_scheme"] or ctx.password_scheme,
        )
    out = LegacyRow(
        key,
        dict(account=account, kind=kind, registered_at=registered_at, password_hash=password_hash),
        warnings=warnings + notes,
    )
    out.values["name"] = _name(cells["name"], out)
    identity_as_imported(cells, kind, out, ctx)
    if filed_uscc_bidx and kind == AGENCY and not cells["filed_uscc"]:
        out.values["filed_uscc_bidx"] = filed_uscc_bidx
    _contact(cells, out, ctx.svc)
    return out


def _undecodable(cells: dict[str, Any]) -> list[Notice]:
    """Bytes the file's encoding could not decode (read as U+FFFD) or NUL characters spoil a
    field, not the account: in the legacy id, type or registration time the row is rejected
    (the account could not be found safely); in the password hash, salt or scheme the account
    is kept with an unusable hash (``SPOILED_HASH``, like any malformed hash); in the name they stay
    (NUL removed) with a warning; any other field is dropped with a warning."""
    warnings: list[Notice] = []
    for column in COLUMNS:
        value = cells[column]
        if "\ufffd" not in value and "\x00" not in value:
            continue
        if column == "name":
            warnings.append(Notice("import.name_undecodable"))
        elif column in PASSWORD:
            cells["password_hash"] = None
        elif column in REQUIRED:
            raise ValidationError("import.undecodable", column, column=column)
        else:
            cells[column] = ""
            warnings.append(Notice("import.field_undecodable", column=column))
    return warnings


def _name(value: str, out: LegacyRow) -> str:
    """The name as the old system held it (L1: its accounts must keep working): whitespace
    collapsed and NFC as ``names.check_name`` does, control and invisible format characters
    removed with a warning, cut to the column's size with a warning. A name the sign-up rules
    would refuse (no letter, empty) is kept: ``legacy_identity.name_key`` compares names
    without those characters, and supplementation asks for the name again under
    ``names.check_name``."""
    name = names.clean(value)
    if not name.isprintable():  # every control, format or surrogate character is unprintable
        kept = "".join(
            ch
            if unicodedata.category(ch) not in names.INVISIBLE
            else " "
            if unicodedata.category(ch) == "Cc"
            else ""
            for ch in name
        )
        if kept != name:
            name = names.clean(kept)
            out.warnings.append(Notice("import.name_invisible"))
    if len(name) > NAME_LIMIT:
        name = name[:NAME_LIMIT].rstrip()
        out.warnings.append(Notice("import.name_truncated", limit=NAME_LIMIT))
    if not name:
        out.warnings.append(Notice("import.name_empty"))
    return name


_EPOCH = re.compile(r"[0-9]{10}|[0-9]{13}")
_COMPACT_TIME = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})(?:([0-9]{2})([0-9]{2})([0-9]{2})?)?")
_JAVA_TIME = re.compile(  # java.util.Date.toString(): "Fri Mar 01 10:00:00 CST 2019"
    r"[A-Z][a-z]{2} ([A-Z][a-z]{2}) ([0-9]{1,2}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) CST ([0-9]{4})"
)
_MONTHS = {
    m: n
    for n, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_LOOSE_TIME = re.compile(
    r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
    r"(?:[ T]+(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2})(?:\.(\d{1,9}))?秒?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?",
    re.ASCII,
)  # \d: ASCII digits only


def parse_time(value: str) -> dt.datetime:
    """The registration time as legacy exports write it: ISO 8601; ``YYYY-MM-DD HH:MM:SS`` with
    ``-``, ``/``, ``.`` or 年月日 and one- or two-digit parts (``2019/3/1 9:05:00``), optional
    fractions (Java's ``…:00.0``) and offset; or Unix time in seconds (10 digits) or
    milliseconds (13 digits); digits only, ``YYYYMMDD``, ``YYYYMMDDHHMM`` or ``YYYYMMDDHHMMSS``;
    Java's ``Date.toString()`` in China Standard Time (``Fri Mar 01 10:00:00 CST 2019``). No
    offset means Beijing time (the cutoff is Beijing time, L2)."""
    value = (value or "").strip()
    try:
        loose = _LOOSE_TIME.fullmatch(value)
        if loose and not loose.group(8):  # the common spellings, Beijing time: no ISO string
            y, mo, d, h, mi, sec, frac, _ = loose.groups()
            return dt.datetime(
                int(y),
                int(mo),
                int(d),
                int(h or 0),
                int(mi or 0),
                int(sec or 0),
                int(f"{frac[:6]:0<6}") if frac else 0,
                tzinfo=BEIJING,
            ).astimezone(dt.UTC)
        if _EPOCH.fullmatch(value):
            seconds = int(value) / (1000 if len(value) == 13 else 1)
            return dt.datetime.fromtimestamp(seconds, dt.UTC)
        compact = _COMPACT_TIME.fullmatch(value)
        java = _JAVA_TIME.fullmatch(value)
        if compact:
            value = "{}-{}-{}T{}:{}:{}".format(*(part or "00" for part in compact.groups()))
        elif java and java.group(1) in _MONTHS:
            month, day, hour, minute, second, year = java.groups()
            value = f"{year}-{_MONTHS[month]:02d}-{int(day):02d}T{hour}:{minute}:{second}"
        loose = _LOOSE_TIME.fullmatch(value)
        if loose:
            y, mo, d, h, mi, sec, frac, zone = loose.groups()
            value = (
                f"{y}-{int(mo):02d}-{int(d):02d}T{int(h or 0):02d}:{int(mi or 0):02d}:"
                f"{int(sec or 0):02d}" + (f".{frac[:6]:0<6}" if frac else "") + (zone or "")
            )
        moment = dt.datetime.fromisoformat(value)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=BEIJING)
        return moment.astimezone(dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise ValidationError("import.registered_at", "registered_at") from None


def _document(id_type: str, number: str, ctx: Context, out: LegacyRow) -> str:
    """The validated number (ValidationError otherwise). A first-generation 15-digit resident
    ID number is taken in its 18-digit form (GB 11643-1999) when that is valid, with a warning
    (without the number, D5)."""
    longer = upgrade_15_digit_id(number) if id_type == "resident_id" else None
    if longer:
        try:
            longer = documents.validate_id_number(id_type, longer, today=ctx.today)
        except ValidationError:
            longer = None  # e.g. no such date: refused below as a 15-digit number
        else:
            out.warnings.append(UPGRADED)
    return longer or documents.validate_id_number(id_type, number, today=ctx.today)


def identity_as_imported(cells: dict[str, Any], kind: str, out: LegacyRow, ctx: Context) -> None:
    """The identity columns as the import parses, validates and seals them, also for the
    corrections of appeal decisions; a dropped value leaves an ``import.dropped_*`` warning in
    ``out``."""
    svc, values = ctx.svc, out.values
    values.update(
        id_type=None,
        id_number_enc=None,
        id_number_bidx=None,
        id_number_masked=None,
        uscc_enc=None,
        uscc_bidx=None,
        uscc_masked=None,
        filed_uscc_bidx=None,
    )
    id_type, number = cells["id_type"], cells["id_number"]
    id_type = ID_TYPE_NAMES.get(id_type, id_type.lower()) or "resident_id"
    if number:
        try:
            if id_type not in documents.ID_TYPES:
                raise ValidationError("import.id_type", "id_type")
            number = _document(id_type, number, ctx, out)
        except ValidationError as exc:
            out.warnings.append(Notice("import.dropped_id_number", redacted=Notice.of(exc)))
        else:
            values.update(
                id_type=id_type,
                id_number_enc=svc.cipher.encrypt(number, ID_INDEX),
                id_number_bidx=svc.blind_index(number, ID_INDEX),
                id_number_masked=documents.mask_id_number(number),
            )
    for column in ("uscc", "filed_uscc"):
        if not cells[column]:
            continue
        if column == "filed_uscc" and kind != AGENCY:
            out.warnings.append(Notice("import.filed_uscc_not_agency"))
            continue
        try:
            code = documents.validate_uscc(cells[column])
        except ValidationError as exc:
            out.warnings.append(
                Notice(
                    "import.dropped_uscc" if column == "uscc" else "import.dropped_filed_uscc",
                    redacted=Notice.of(exc),
                )
            )
            continue
        if column == "filed_uscc":
            values["filed_uscc_bidx"] = svc.blind_index(code, USCC_INDEX)
        else:
            values.update(
                uscc_enc=svc.cipher.encrypt(code, USCC_INDEX),
                uscc_bidx=svc.blind_index(code, USCC_INDEX),
                uscc_masked=documents.mask_uscc(code),
            )


def _contact(cells: dict[str, Any], out: LegacyRow, svc: Services) -> None:
    values = out.values
    phone = email = None
    values["designated"] = None
    if cells["mobile"]:
        try:
            phone = documents.validate_mobile(cells["mobile"])
        except ValidationError as exc:
            out.warnings.append(Notice("import.dropped_mobile", reason=Notice.of(exc)))
    if cells["email"]:
        try:
            email = emails.normalise_email(cells["email"])
        except ValidationError:
            out.warnings.append(Notice("import.dropped_email"))
    values.update(  # D5: never plain at rest; both already validated above
        **contacts.sealed_values("phone", "phone", phone, normalised=True, svc=svc),
        **contacts.sealed_values("email", "email", email, normalised=True, svc=svc),
    )
    address = {part: cells[part] for part in ADDRESS if cells[part]}
    values["address"] = address or None
    flag = cells["designated"].lower()
    if flag in TRUE or flag in FALSE:
        values["designated"] = flag in TRUE
    elif flag:
        out.warnings.append(Notice("import.dropped_designated"))


def name_as_imported(value: str, out: LegacyRow) -> str:
    """A name as the import stores it (``_name``), its warnings added to ``out``; used by the
    corrections of appeal decisions, which must store nothing the import would not."""
    return _name(text(value, "name"), out)
