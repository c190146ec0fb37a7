"""One row of the legacy export, read and checked without touching the database (L1).

``parse`` turns a row (a dict of column -> text, from CSV or JSON lines) into a ``LegacyRow``:
the column values of ``LegacyAccount``, its keyed ``row_digest`` and the warnings about dirty
fields. A missing or invalid legacy id, type, name or registration time rejects the row
(``ValidationError``); a password hash that does not fit its scheme keeps the account with an
unusable hash and a warning (``legacy_schemes.stored_hash``). Identity and contact data of the
old system may be dirty (wrong check characters, bad mobiles): such a field is dropped with a
warning and the account is kept; a first-generation 15-digit resident ID number is converted
to 18 digits (warning). Messages are Chinese and never carry a secret or a whole document
number. Columns and formats: docs/legacy.md.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass, field

from ..services import Services, services
from . import contacts, documents, emails, legacy_schemes, names
from .errors import ValidationError
from .identifiers import BEIJING, fold_full_width, upgrade_15_digit_id
from .legacy import account_key
from .models.legacy import AGENCY, KINDS

REQUIRED = ("legacy_id", "type", "name", "registered_at", "password_hash")
OPTIONAL = ("id_type", "id_number", "uscc", "filed_uscc", "mobile", "email", "province", "city",
            "county", "street", "postal_code", "password_salt", "designated", "password_scheme")
COLUMNS = REQUIRED + OPTIONAL
ADDRESS = ("province", "city", "county", "street", "postal_code")
VERBATIM = frozenset(("name",) + ADDRESS)
KIND_NAMES = {"自然人": "natural", "法人": "legal", "代理机构": "agency", "简易用户": "simple"}
ID_TYPE_NAMES = {label: key for key, label in documents.ID_TYPES.items()}
TRUE, FALSE = {"1", "true", "yes", "y", "是"}, {"0", "false", "no", "n", "否"}
ID_INDEX, USCC_INDEX, ROW_DIGEST = "id-number", "uscc", "legacy-row"
_QUOTED = re.compile(r"“[^”]*”")
UPGRADED = "15 位身份证号码已转换为 18 位。"


@dataclass
class Context:
    """What every row of one import shares: settings, services, today, the digest key."""

    svc: Services
    today: dt.date
    digest: hmac.HMAC
    password_scheme: str = ""  # the file's default scheme (``--password-scheme``); "" = none

    @classmethod
    def current(cls, password_scheme: str | None = None) -> Context:
        """``password_scheme`` None: the ``legacy.password_scheme`` setting. An invalid one
        raises ValidationError before any row is read (nothing written)."""
        svc = services()
        if password_scheme is None:
            password_scheme = str(svc.settings["legacy.password_scheme"] or "")
        password_scheme = password_scheme.strip()
        if password_scheme:
            try:
                legacy_schemes.parse_spec(password_scheme)
            except ValidationError as exc:
                raise ValidationError(f"默认密码方案无效：{exc.message}", exc.field) from None
        key = str(svc.settings["secrets.blind_index_key"]).encode()
        # keyed (HMAC, as blind indexes are): the digested row holds ID numbers (D5); the file's
        # default scheme is digested too, so declaring one later updates the accounts it reads
        digest = hmac.new(key, ROW_DIGEST.encode() + b"\x00" + _scheme_input(password_scheme),
                          hashlib.sha256)
        return cls(svc, documents.beijing_date(svc.clock.now()), digest, password_scheme)


def _scheme_input(password_scheme: str) -> bytes:
    return password_scheme.encode() + b"\x00" if password_scheme else b""


@dataclass
class LegacyRow:
    key: str
    values: dict
    digest: str
    warnings: list[str] = field(default_factory=list)


def text(value, column: str = "") -> str:
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


def parse(row: dict, ctx: Context) -> LegacyRow:
    cells = {c: text(row.get(c), c) for c in COLUMNS}
    salt = row.get("password_salt")
    cells["password_salt"] = "" if salt is None else str(salt)  # salts are taken verbatim
    cells["password_scheme"] = str(row.get("password_scheme") or "").strip()  # templates too
    account, key = cells["legacy_id"], account_key(cells["legacy_id"])
    if not 1 <= len(key) <= 64 or len(account) > 64:
        raise ValidationError("历史账号为空或超过 64 个字符。", "legacy_id")
    kind = KIND_NAMES.get(cells["type"], cells["type"].lower())
    if kind not in KINDS:
        raise ValidationError("用户类型应为 natural、legal、agency、simple"
                              "（或 自然人、法人、代理机构、简易用户）之一。", "type")
    cells["name"] = names.check_name(cells["name"], label="名称", limit=200)
    registered_at = parse_time(cells["registered_at"])
    password_hash, notes = legacy_schemes.stored_hash(
        cells["password_hash"], cells["password_salt"],
        cells["password_scheme"] or ctx.password_scheme)
    out = LegacyRow(key, dict(account=account, kind=kind, name=cells["name"],
                              registered_at=registered_at, password_hash=password_hash), "",
                    notes)
    _identity(cells, kind, out, ctx)
    _contact(cells, out)
    cells.update(legacy_id=key, type=kind, registered_at=registered_at.isoformat(),
                 password_hash=password_hash, password_salt="",
                 designated=str(out.values["designated"]))
    mac = ctx.digest.copy()  # the normalised exported fields, in the fixed order of COLUMNS
    mac.update("\x1f".join(cells[c] for c in COLUMNS).encode())
    out.digest = mac.hexdigest()
    return out


_LOOSE_TIME = re.compile(
    r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
    r"(?:[ T]+(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2})(?:\.(\d{1,9}))?秒?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?", re.ASCII)  # \d: ASCII digits only


def parse_time(value: str) -> dt.datetime:
    """The registration time as legacy exports write it: ISO 8601; ``YYYY-MM-DD HH:MM:SS`` with
    ``-``, ``/``, ``.`` or 年月日 and one- or two-digit parts (``2019/3/1 9:05:00``), optional
    fractions (Java's ``…:00.0``) and offset; or Unix time in seconds (10 digits) or
    milliseconds (13 digits). No offset means Beijing time (the cutoff is Beijing time, L2)."""
    value = (value or "").strip()
    try:
        if re.fullmatch(r"[0-9]{10}|[0-9]{13}", value):
            seconds = int(value) / (1000 if len(value) == 13 else 1)
            return dt.datetime.fromtimestamp(seconds, dt.timezone.utc)
        loose = _LOOSE_TIME.fullmatch(value)
        if loose:
            y, mo, d, h, mi, sec, frac, zone = loose.groups()
            value = (f"{y}-{int(mo):02d}-{int(d):02d}T{int(h or 0):02d}:{int(mi or 0):02d}:"
                     f"{int(sec or 0):02d}" + (f".{frac[:6]:0<6}" if frac else "")
                     + (zone or ""))
        moment = dt.datetime.fromisoformat(value)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=BEIJING)
        return moment.astimezone(dt.timezone.utc)
    except (ValueError, OverflowError, OSError):
        raise ValidationError("注册时间为空或格式不正确（应为 ISO 8601 或 YYYY-MM-DD HH:MM:SS）。",
                              "registered_at") from None


def _redacted(exc: ValidationError) -> str:
    """A validator's message without the quoted parts of the number it quotes (D5)."""
    return _QUOTED.sub("", exc.message)


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


def _identity(cells: dict, kind: str, out: LegacyRow, ctx: Context) -> None:
    svc, values = ctx.svc, out.values
    values.update(id_type=None, id_number_enc=None, id_number_bidx=None, id_number_masked=None,
                  uscc_enc=None, uscc_bidx=None, uscc_masked=None, filed_uscc_bidx=None)
    id_type, number = cells["id_type"], cells["id_number"]
    id_type = ID_TYPE_NAMES.get(id_type, id_type.lower()) or "resident_id"
    if number:
        try:
            if id_type not in documents.ID_TYPES:
                raise ValidationError("证件类型无法识别。", "id_type")
            number = _document(id_type, number, ctx, out)
        except ValidationError as exc:
            out.warnings.append(f"字段已舍弃：证件号码：{_redacted(exc)}")
        else:
            values.update(id_type=id_type,
                          id_number_enc=svc.cipher.encrypt(number, ID_INDEX),
                          id_number_bidx=svc.blind_index(number, ID_INDEX),
                          id_number_masked=documents.mask_id_number(number))
    for column, label in (("uscc", "统一社会信用代码"), ("filed_uscc", "备案统一社会信用代码")):
        if not cells[column]:
            continue
        if column == "filed_uscc" and kind != AGENCY:
            out.warnings.append(f"字段已舍弃：{label}：仅代理机构使用此字段。")
            continue
        try:
            code = documents.validate_uscc(cells[column])
        except ValidationError as exc:
            out.warnings.append(f"字段已舍弃：{label}：{_redacted(exc)}")
            continue
        if column == "filed_uscc":
            values["filed_uscc_bidx"] = svc.blind_index(code, USCC_INDEX)
        else:
            values.update(uscc_enc=svc.cipher.encrypt(code, USCC_INDEX),
                          uscc_bidx=svc.blind_index(code, USCC_INDEX),
                          uscc_masked=documents.mask_uscc(code))


def _contact(cells: dict, out: LegacyRow) -> None:
    values = out.values
    phone = email = None
    values["designated"] = None
    if cells["mobile"]:
        try:
            phone = documents.validate_mobile(cells["mobile"])
        except ValidationError as exc:
            out.warnings.append(f"字段已舍弃：手机号码：{exc.message}")
    if cells["email"]:
        try:
            email = emails.normalise_email(cells["email"])
        except ValidationError:
            out.warnings.append("字段已舍弃：电子邮箱：格式不正确。")
    values.update(**contacts.sealed_values("phone", "phone", phone),  # D5: never plain at rest
                  **contacts.sealed_values("email", "email", email))
    address = {part: cells[part] for part in ADDRESS if cells[part]}
    values["address"] = address or None
    flag = cells["designated"].lower()
    if flag in TRUE or flag in FALSE:
        values["designated"] = flag in TRUE
    elif flag:
        out.warnings.append("字段已舍弃：可绑定标记：应为 1/0、true/false 或 是/否。")
