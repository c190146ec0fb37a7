"""Declared legacy password schemes (domain.md L1, issue 9): each scheme imported and logged in
with a known plaintext, malformed and ambiguous hashes kept unusable with a warning, the spec
syntax, the default scheme (setting, option) and the work-factor caps.

Known answers come from outside the code under test: hashlib, ``openssl passwd -1``, the
crypt_blowfish (OpenWall) bcrypt vectors, RFC 6070 and the common PBKDF2-SHA256/512 vectors,
Werkzeug's own ``generate_password_hash``.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json

import bcrypt
import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from idp.config import ConfigError, load_settings
from idp.domain.errors import DomainError, ValidationError
from idp.domain.legacy import (
    hashes as legacy_hashes,
)
from idp.domain.legacy import (
    importer as legacy_import,
)
from idp.domain.legacy import (
    login as legacy,
)
from idp.domain.legacy import (
    rows as legacy_rows,
)
from idp.domain.legacy import (
    schemes as legacy_schemes,
)
from idp.domain.models import LegacyAccount
from idp.extensions import db
from idp.messages import describe
from idp.services import services
from wordkit import raises_saying

PW = "Legacy-pass-1"
CHINESE = "商标密码2019"  # older Chinese systems hashed the GBK bytes of such passwords
SALT = "Xy$7;盐,:"  # a salt with the separators a stored form or spec might trip on
U72 = (
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    "chars after 72 are ignored"
)  # 98 bytes: crypt_blowfish's own vector
BCRYPT_U = "CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"  # "U*U", cost 05
BCRYPT_72 = "$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui"
RFC6070 = "4b007901b765489abead49d926f721d065a429c1"  # PBKDF2-SHA1 password/salt/4096
SHA256_4096 = "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"
SHA512_4096 = (
    "d197b1b33db0143e018b12f3d1d1479e6cdebdcc97c5c0f87f6902e072f457b5143f30602641b3"
    "d55cd335988cb36b84376060ecd532e039b742a239434af2d5"
)


def hexdigest(name: str, text: str, encoding: str = "utf-8") -> str:
    return hashlib.new(name, text.encode(encoding)).hexdigest()


def ab64(data: bytes) -> str:
    """passlib's adapted base64: no padding, "." for "+"."""
    return base64.b64encode(data).decode().rstrip("=").replace("+", ".")


def django(name: str, password: str, salt: str, iterations: int) -> str:
    raw = hashlib.pbkdf2_hmac(name, password.encode(), salt.encode(), iterations)
    return f"pbkdf2_{name}${iterations}${salt}${base64.b64encode(raw).decode()}"


# (id, password_hash, password_salt, password_scheme, password)
CASES = [
    ("md5_guessed", hexdigest("md5", PW), "", "", PW),
    ("md5_gbk", hexdigest("md5", CHINESE, "gbk"), "", "md5;encoding=gbk", CHINESE),
    (
        "sha1_gbk_salted",
        hexdigest("sha1", SALT + CHINESE, "gbk"),
        SALT,
        "sha1;salt=prefix;encoding=gbk",
        CHINESE,
    ),
    (
        "sha256_gb18030",
        hexdigest("sha256", "𠀀" + CHINESE, "gb18030"),
        "",
        "sha256;encoding=gb18030",
        "𠀀" + CHINESE,
    ),  # U+20000: in GB 18030, not in GBK
    ("sha1_guessed", hexdigest("sha1", PW), "", "", PW),
    ("sha1_prefix", hexdigest("sha1", SALT + PW), SALT, "sha1;salt=prefix", PW),
    ("sha1_suffix", hexdigest("sha1", PW + SALT), SALT, "sha1;salt=suffix", PW),
    (
        "md5_template",
        hexdigest("md5", f"{SALT}:{PW},{SALT}"),
        SALT,
        "md5;salt={salt}:{password},{salt}",
        PW,
    ),
    ("md5_semicolon", hexdigest("md5", f"{PW};{SALT}"), SALT, "md5;salt={password}\\;{salt}", PW),
    ("sha256_suffix", hexdigest("sha256", PW + SALT), SALT, "sha256;salt=suffix", PW),
    ("sha512_guessed", hexdigest("sha512", PW), "", "", PW),
    ("sha512_prefix", hexdigest("sha512", SALT + PW), SALT, "SHA512 ; salt = prefix", PW),
    ("md5_upper", hexdigest("md5", PW).upper(), "", "md5;case=upper", PW),
    ("sha1_upper_guessed", hexdigest("sha1", PW).upper(), "", "", PW),
    ("md5_crypt", "$1$saltsalt$WB4TaMlBjMuk8uu3mGee7/", "", "md5_crypt", PW),  # openssl
    ("md5_crypt_chinese", "$1$Ab1/.z$jPI0I5o7QAjSWq5n7e4gY1", "", "", CHINESE),  # openssl
    ("bcrypt_2a", f"$2a$05${BCRYPT_U}", "", "bcrypt", "U*U"),
    ("bcrypt_2b", f"$2b$05${BCRYPT_U}", "", "", "U*U"),
    ("bcrypt_2y", f"$2y$05${BCRYPT_U}", "", "bcrypt", "U*U"),
    ("bcrypt_past_72", BCRYPT_72, "", "bcrypt", U72),
    (
        "pbkdf2_sha1",
        f"$pbkdf2$4096${ab64(b'salt')}${ab64(bytes.fromhex(RFC6070))}",
        "",
        "pbkdf2",
        "password",
    ),
    (
        "pbkdf2_sha256",
        f"$pbkdf2-sha256$4096${ab64(b'salt')}${ab64(bytes.fromhex(SHA256_4096))}",
        "",
        "",
        "password",
    ),
    (
        "pbkdf2_sha512",
        f"$pbkdf2-sha512$4096${ab64(b'salt')}${ab64(bytes.fromhex(SHA512_4096))}",
        "",
        "pbkdf2",
        "password",
    ),
    ("django_sha256", django("sha256", PW, "aVeryRandomSalt", 1000), "", "pbkdf2", PW),
    ("django_sha1", django("sha1", PW, "aVeryRandomSalt", 1000), "", "", PW),
    ("werkzeug_sha256", generate_password_hash(PW, "pbkdf2:sha256:1000"), "", "pbkdf2", PW),
    ("werkzeug_sha1", generate_password_hash(PW, "pbkdf2:sha1:1000"), "", "", PW),
    ("werkzeug_sha512", generate_password_hash(PW, "pbkdf2:sha512:1000"), "", "pbkdf2", PW),
    (
        "werkzeug_no_iterations",
        "pbkdf2:sha256$s4lt$" + hashlib.pbkdf2_hmac("sha256", PW.encode(), b"s4lt", 2000).hex(),
        "",
        "pbkdf2;iterations=2000",
        PW,
    ),
    (
        "werkzeug_bare",
        "pbkdf2$s4lt$" + hashlib.pbkdf2_hmac("sha256", PW.encode(), b"s4lt", 1000).hex(),
        "",
        "pbkdf2;iterations=1000",
        PW,
    ),
]


def write_csv(tmp_path, rows: list[dict], name: str = "export.csv") -> str:
    path = tmp_path / name
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, legacy_rows.COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


def row(legacy_id: str, password_hash: str, salt: str = "", scheme: str = "") -> dict:
    return {
        "legacy_id": legacy_id,
        "type": "natural",
        "name": "张三",
        "registered_at": "2019-05-01 10:00:00",
        "password_hash": password_hash,
        "password_salt": salt,
        "password_scheme": scheme,
    }


def stored(legacy_id: str) -> str:
    db.session.expire_all()
    return db.session.scalar(
        select(LegacyAccount.password_hash).where(
            LegacyAccount.account_key == legacy.account_key(legacy_id)
        )
    )


def warnings_of(report) -> dict[int, str]:
    return {line: describe(reason) for line, _, kind, reason in report.issues if kind == "warning"}


@pytest.mark.parametrize(
    "legacy_id, raw, salt, spec, password", CASES, ids=[case[0] for case in CASES]
)
def test_l1_each_scheme_imports_and_logs_in_with_its_known_plaintext(
    app, tmp_path, legacy_id, raw, salt, spec, password
):
    """Import (CSV) → the wrong password fails, the right one logs in and the hash becomes
    argon2id (L1)."""
    report = legacy_import.import_file(write_csv(tmp_path, [row(legacy_id, raw, salt, spec)]))
    assert (report.inserted, report.issues) == (1, [])
    assert legacy.authenticate("personal", legacy_id, "x" + password) is None
    assert legacy.authenticate("personal", legacy_id, password[1:]) is None
    assert legacy_hashes.is_legacy(stored(legacy_id))
    assert stored(legacy_id) != legacy_hashes.UNUSABLE
    login = legacy.authenticate("personal", legacy_id, password)
    assert login is not None and login.refusal is None and login.account.account == legacy_id
    assert stored(legacy_id).startswith("$argon2id$")  # L1: rehashed on success
    assert legacy.authenticate("personal", legacy_id, password) is not None


def test_l1_chinese_password_over_gbk_from_jsonl(app, tmp_path):
    """JSON lines carry the declared scheme the same way; the GBK bytes, not UTF-8, count."""
    gbk = hexdigest("md5", CHINESE, "gbk")
    lines = [row("gbk", gbk, scheme="md5;encoding=gbk"), row("utf8", gbk)]
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in lines), encoding="utf-8")
    assert legacy_import.import_file(str(path)).inserted == 2
    assert legacy.authenticate("personal", "gbk", CHINESE) is not None
    assert legacy.authenticate("personal", "utf8", CHINESE) is None  # read as UTF-8: no match


def test_l1_bcrypt_counts_only_the_first_72_bytes():
    """The legacy rule, made explicit because bcrypt 5 refuses longer input."""
    assert legacy_hashes.verify(U72, BCRYPT_72)
    assert legacy_hashes.verify(U72[:72] + "anything else entirely", BCRYPT_72)
    assert not legacy_hashes.verify(U72[:71], BCRYPT_72)
    chinese = "a" + "密" * 30  # 91 UTF-8 bytes: byte 72 falls inside the 24th 密
    made = bcrypt.hashpw(chinese.encode()[:72], bcrypt.gensalt(4)).decode()
    assert legacy_hashes.verify(chinese, made) and legacy_hashes.verify("a" + "密" * 24, made)
    assert not legacy_hashes.verify("a" + "密" * 23, made)


def test_l1_password_outside_the_declared_encoding_is_a_mismatch_not_an_error():
    raw, _ = legacy_schemes.stored_hash(hexdigest("md5", CHINESE, "gbk"), "", "md5;encoding=gbk")
    assert legacy_hashes.verify(CHINESE, raw)
    assert legacy_hashes.verify("😀" + CHINESE, raw) is False
    assert legacy_hashes.matches_any("😀", [raw, None]) == [False, False]


MALFORMED = [
    ("empty", "", "", "md5"),
    ("md5_short", "a" * 31, "", "md5"),
    ("md5_not_hex", "g" * 32, "", "md5"),
    ("sha1_is_md5", hexdigest("md5", PW), "", "sha1;salt=suffix"),
    ("sha512_is_sha256", hexdigest("sha256", PW), "", "sha512"),
    ("salt_not_gbk", hexdigest("md5", "😀" + PW), "😀", "md5;salt=prefix;encoding=gbk"),
    ("salt_too_long", hexdigest("md5", PW), "s" * 257, "md5;salt=suffix"),
    ("md5_crypt_bad", "$1$saltsalt$short", "", "md5_crypt"),
    ("md5_crypt_is_bcrypt", f"$2a$05${BCRYPT_U}", "", "md5_crypt"),
    ("bcrypt_bad", "$2b$05$tooshort", "", "bcrypt"),
    ("bcrypt_2x", f"$2x$05${BCRYPT_U}", "", "bcrypt"),
    ("bcrypt_is_md5", hexdigest("md5", PW), "", "bcrypt"),
    ("bcrypt_cost_14", f"$2b$14${BCRYPT_U}", "", "bcrypt"),
    ("pbkdf2_bad", "$pbkdf2-sha256$1000$salt", "", "pbkdf2"),
    (
        "pbkdf2_too_many",
        f"$pbkdf2-sha256$2000000${ab64(b'salt')}${ab64(bytes.fromhex(SHA256_4096))}",
        "",
        "pbkdf2",
    ),
    ("django_too_many", django("sha256", PW, "s", 1).replace("$1$", "$5000000$"), "", ""),
    ("werkzeug_md5", "pbkdf2:md5:1000$salt$" + "a" * 32, "", "pbkdf2"),
    ("werkzeug_short", "pbkdf2:sha256:1000$salt$" + "a" * 40, "", "pbkdf2"),
    ("werkzeug_no_iterations", "pbkdf2:sha256$salt$" + "a" * 64, "", "pbkdf2"),
    ("pbkdf2_is_md5", hexdigest("md5", PW), "", "pbkdf2"),
    ("unknown_scheme", hexdigest("md5", PW), "", "md6"),
    ("unknown_parameter", hexdigest("md5", PW), "", "md5;pepper=x"),
    ("unrecognised_shape", "secret!", "", ""),
]


def test_l1_malformed_hash_keeps_the_account_unusable_with_a_warning(app, tmp_path):
    """Every scheme's malformed rows: one warning per line, the account imported, its hash never
    verifies; no warning echoes a hash or salt."""
    rows = [row(legacy_id, raw, salt, spec) for legacy_id, raw, salt, spec in MALFORMED]
    report = legacy_import.import_file(write_csv(tmp_path, rows))
    assert (report.inserted, report.rejected, report.warnings) == (len(rows), 0, len(rows))
    warned = warnings_of(report)
    assert sorted(warned) == list(range(1, len(rows) + 1))  # data-row numbers
    for line, (legacy_id, raw, salt, _spec) in enumerate(MALFORMED, start=1):
        assert warned[line].startswith("密码哈希无法使用：") and "人工申诉" in warned[line]
        assert (raw[8:] or "~") not in warned[line] and (salt or "~") not in warned[line]
        assert stored(legacy_id) == legacy_hashes.UNUSABLE, legacy_id
        assert legacy.authenticate("personal", legacy_id, PW) is None
    assert "迭代" in warned[15] and "代价" in warned[13] and "iterations=N" in warned[19]


def test_l1_ambiguous_shape_is_reported_never_picked(app, tmp_path):
    """A salted hex hash without a declared placement fits prefix and suffix (and templates):
    the warning names the candidates and asks for a scheme; no login until then."""
    raw = hexdigest("sha1", SALT + PW)
    report = legacy_import.import_file(write_csv(tmp_path, [row("amb", raw, SALT)]))
    assert report.inserted == 1
    (warning,) = warnings_of(report).values()
    assert "sha1;salt=prefix" in warning and "sha1;salt=suffix" in warning
    assert "password_scheme" in warning and SALT not in warning and raw not in warning
    assert stored("amb") == legacy_hashes.UNUSABLE
    assert legacy.authenticate("personal", "amb", PW) is None


def test_l1_declaring_the_scheme_later_updates_the_unusable_account(app, tmp_path):
    """The file's default scheme is part of the row digest: re-importing the same file with
    ``--password-scheme`` updates the account, which then logs in."""
    path = write_csv(tmp_path, [row("later", hexdigest("sha1", PW + SALT), SALT)])
    assert legacy_import.import_file(path).inserted == 1
    assert legacy_import.import_file(path).unchanged == 1
    report = legacy_import.import_file(path, password_scheme="sha1;salt=suffix")
    assert (report.updated, report.issues) == (1, [])
    assert legacy.authenticate("personal", "later", PW) is not None
    assert legacy_import.import_file(path, password_scheme="sha1;salt=suffix").unchanged == 1


def test_l1_row_scheme_wins_over_the_file_default_and_the_setting(app, tmp_path, monkeypatch):
    monkeypatch.setattr(
        services(),
        "settings",
        services().settings.replace({"legacy.password_scheme": "md5;salt=prefix"}),
    )
    rows = [
        row("setting", hexdigest("md5", SALT + PW), SALT),
        row("own", hexdigest("md5", PW + SALT), SALT, "md5;salt=suffix"),
    ]
    report = legacy_import.import_file(write_csv(tmp_path, rows))
    assert (report.inserted, report.issues) == (2, [])
    rows = [row("option", hexdigest("sha1", PW + SALT), SALT)]
    report = legacy_import.import_file(
        write_csv(tmp_path, rows, "b.csv"), password_scheme="sha1;salt=suffix"
    )
    assert (report.inserted, report.issues) == (1, [])
    for legacy_id in ("setting", "own", "option"):
        assert legacy.authenticate("personal", legacy_id, PW) is not None, legacy_id


def test_l1_invalid_default_scheme_is_refused_before_anything_is_written(app, tmp_path):
    path = write_csv(tmp_path, [row("a", hexdigest("md5", PW))])
    with raises_saying(DomainError, "默认密码方案无效"):
        legacy_import.import_file(path, password_scheme="sha3")
    assert stored("a") is None
    result = app.test_cli_runner().invoke(
        args=["legacy", "import", path, "--password-scheme", "md5;salt=middle"]
    )
    assert result.exit_code == 2 and "salt" in result.output and stored("a") is None
    result = app.test_cli_runner().invoke(
        args=["legacy", "import", path, "--password-scheme", "md5"]
    )
    assert result.exit_code == 0 and "新增 1" in result.stdout


def test_l1_invalid_or_removed_scheme_setting_refuses_to_start():
    with pytest.raises(ConfigError, match="legacy.password_scheme"):
        load_settings({"legacy": {"password_scheme": "md5;salt=middle"}}, environ={})
    for removed in ("hash_format", "salt_position"):
        with pytest.raises(ConfigError, match=f"legacy.{removed} was replaced"):
            load_settings({"legacy": {removed: "auto"}}, environ={})
    assert load_settings({"legacy": {"password_scheme": "sha1;salt=suffix"}}, environ={})


def test_l1_spec_syntax():
    parse = legacy_schemes.parse_spec
    assert parse("sha1") == legacy_schemes.Scheme("sha1")
    assert parse(" SHA1 ; salt=Suffix ").template == "{password}{salt}"
    gbk = parse("md5;salt={salt}{password};encoding=gbk;case=upper")
    assert (gbk.template, gbk.encoding, gbk.case) == ("{salt}{password}", "gbk", "upper")
    assert parse("md5;salt={salt}:{password},x").template == "{salt}:{password},x"
    assert parse(r"md5;salt={password}\;{salt}\\").template == "{password};{salt}\\"
    assert parse("pbkdf2;iterations=260000").iterations == 260000
    assert parse("md5;encoding=utf8").encoding == "utf-8"


@pytest.mark.parametrize(
    "spec, word",
    [
        ("", "未知"),
        ("md6", "md6"),
        ("md5;pepper=1", "pepper"),
        ("md5;salt", "salt"),
        ("md5;salt=middle", "salt"),
        ("md5;salt={salt}", "salt"),
        ("md5;salt={pw}{salt}", "salt"),
        ("md5;encoding=latin-1", "encoding"),
        ("md5;case=mixed", "case"),
        ("bcrypt;salt=prefix", "salt"),
        ("md5_crypt;encoding=gbk", "encoding"),
        ("pbkdf2;iterations=0", "iterations"),
        ("pbkdf2;iterations=2000000", "iterations"),
        ("md5;salt=prefix;salt=suffix", "salt"),
        ("md5;encoding=gbk;salt={salt}😀{password}", "编码"),
    ],
)
def test_l1_spec_refuses_unknown_names_and_parameters_clearly(spec, word):
    with raises_saying(ValidationError, word):
        legacy_schemes.parse_spec(spec)


def test_l1_declared_case_and_unused_salt_are_warned_but_kept():
    """**Choice**: hex is compared case-insensitively; a row against the declared case, or a
    salt its scheme does not use, is a warning, and the hash still verifies."""

    def stored(*args: str) -> tuple[str, list[str]]:  # the notes in words, as reported
        raw, notes = legacy_schemes.stored_hash(*args)
        return raw, [describe(note) for note in notes]

    upper = hexdigest("md5", PW).upper()
    raw, notes = stored(upper, "", "md5;case=lower")
    assert legacy_hashes.verify(PW, raw) and "case=lower" in notes[0] and upper not in notes[0]
    raw, notes = stored(hexdigest("md5", PW), SALT, "md5")
    assert legacy_hashes.verify(PW, raw) and "password_salt 已忽略" in notes[0]
    raw, notes = stored(f"$2b$05${BCRYPT_U}", SALT, "bcrypt")
    assert legacy_hashes.verify("U*U", raw) and "password_salt 已忽略" in notes[0]
    raw, notes = stored(hexdigest("md5", PW), "", "md5;salt=prefix")
    assert legacy_hashes.verify(PW, raw) and "为空" in notes[0]
    assert all(SALT not in note for note in notes)


def test_l1_hashes_stored_by_earlier_imports_keep_verifying():
    """Existing databases hold the forms of earlier imports."""
    salt = "盐-salt$1"
    forms = [
        hexdigest("md5", PW),
        hexdigest("sha256", PW),
        f"$legacy-sha256-prefix${salt.encode().hex()}${hexdigest('sha256', salt + PW)}",
        f"$legacy-sha256-suffix${salt.encode().hex()}${hexdigest('sha256', PW + salt)}",
        f"$legacy-md5-prefix${salt.encode().hex()}${hexdigest('md5', salt + PW)}",
        f"$legacy-md5-suffix${salt.encode().hex()}${hexdigest('md5', PW + salt)}",
        "$1$saltsalt$WB4TaMlBjMuk8uu3mGee7/",
        django("sha256", PW, "abc", 1000),
    ]
    for form in forms:
        assert legacy_hashes.verify(PW, form) and not legacy_hashes.verify(PW + "x", form), form


def test_l1_unaffordable_stored_work_factor_is_never_computed(monkeypatch):
    """A stored value past the caps (from an older import) is a mismatch without running."""
    ran = []
    monkeypatch.setattr(legacy_hashes.CONTEXT, "verify", lambda *a, **k: ran.append(a))
    too_big = [
        f"$2b$15${BCRYPT_U}",
        django("sha256", PW, "s", 1).replace("$1$", "$9999999$"),
        legacy_hashes.UNUSABLE,
        "$legacy-hex$md5$utf-8$none$$zz",
        "$legacy-hex$md4$x",
    ]
    assert legacy_hashes.matches_any(PW, too_big) == [False] * len(too_big)
    assert not any(legacy_hashes.verify(PW, s) for s in too_big) and ran == []


def test_l1_json_salts_are_verbatim_and_unencodable_cells_never_abort(app, tmp_path):
    """A numeric JSON salt (even 0) is its text; a lone surrogate (a JSON escape no encoding
    can write) makes that hash unusable with a warning, and the import goes on."""
    lines = [
        json.dumps(row("zero", hexdigest("md5", "0" + PW), 0, "md5;salt=prefix")),
        json.dumps(row("surrogate", hexdigest("md5", PW), "\ud800", "md5;salt=prefix")),
        json.dumps(row("werkzeug", "pbkdf2:sha256:1000$\ud800$" + "a" * 64, "", "pbkdf2")),
    ]
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    report = legacy_import.import_file(str(path))
    assert (report.inserted, report.rejected, sorted(warnings_of(report))) == (3, 0, [2, 3])
    assert legacy.authenticate("personal", "zero", PW) is not None
    assert stored("surrogate") == stored("werkzeug") == legacy_hashes.UNUSABLE


@pytest.mark.parametrize(
    "spec, salt",
    [
        ("md5", ""),
        ("sha1;salt=prefix", SALT),
        ("sha256;salt=suffix;encoding=gbk", "盐"),
        ("sha512;salt={salt}:{password}:{salt};encoding=gb18030", "$;"),
        ("md5;salt={password}{salt};case=upper", ""),
    ],
)
def test_l1_stored_hex_form_is_what_the_verifier_parses(spec, salt):
    """``stored_hash`` writes the ``$legacy-hex$`` string without the handler's constructor;
    the handler reads back the same digest, encoding, template, salt and checksum."""
    scheme = legacy_schemes.parse_spec(spec)
    raw = hashlib.new(scheme.name, b"x").hexdigest().upper()
    stored, _ = legacy_schemes.stored_hash(raw, salt, spec)
    parsed = legacy_hashes._LegacyHex.from_string(stored)
    assert (parsed.digest, parsed.encoding, parsed.template, parsed.checksum) == (
        scheme.name,
        scheme.encoding,
        scheme.template,
        raw.lower(),
    )
    assert parsed.salt == (salt if scheme.salted else "")
    assert parsed.to_string() == stored
