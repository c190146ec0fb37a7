"""Importing the legacy system's account export (domain.md L1): every hash format, bad rows
reported by data-row number, dirty identity fields and names kept or dropped (not the account),
idempotent re-runs that skip unchanged rows before parsing and never touch a linked account or a
rehashed password, ID numbers encrypted at rest (D5), GB 18030 and JSON lines, batches of
``legacy.import_batch``, the filed USCC from the agency filing register, worker processes."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os

import pytest
from passlib import hash as ph
from sqlalchemy import event, func, select, text

from idp.domain import transaction
from idp.domain.accounts import users as accounts
from idp.domain.errors import DomainError, ValidationError
from idp.domain.legacy import (
    bulk as legacy_bulk,
)
from idp.domain.legacy import (
    files as legacy_files,
)
from idp.domain.legacy import (
    hashes as legacy_hashes,
)
from idp.domain.legacy import (
    importer as legacy_import,
)
from idp.domain.legacy import (
    link as legacy_link,
)
from idp.domain.legacy import (
    login as legacy,
)
from idp.domain.legacy import (
    rows as legacy_rows,
)
from idp.domain.models import AgencyFiling, LegacyAccount
from idp.domain.registers import lookup as registers
from idp.extensions import db
from idp.messages import describe
from idp.services import services
from orgkit import file_agency, resident_id, uscc
from support import make_user
from wordkit import raises_saying

PW = "OldPass#2019"
MD5 = hashlib.md5(PW.encode()).hexdigest()


def row(legacy_id: str = "zhangsan", **kw) -> dict:
    return {
        "legacy_id": legacy_id,
        "type": "natural",
        "name": "张三",
        "registered_at": "2019-05-01 10:00:00",
        "password_hash": MD5,
        **kw,
    }


def write_csv(tmp_path, rows, name="export.csv", encoding="utf-8-sig", columns=None) -> str:
    path = tmp_path / name
    columns = columns or legacy_rows.COLUMNS
    with open(path, "w", newline="", encoding=encoding) as fh:
        writer = csv.DictWriter(fh, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


def run(path, **kw) -> legacy_import.ImportReport:
    return legacy_import.import_file(path, **kw)


def said(report) -> list[tuple[int, str, str, str]]:
    """The report's issues with each reason (a ``Notice``) in words, as the command prints them."""
    return [(n, legacy_id, kind, describe(reason)) for n, legacy_id, kind, reason in report.issues]


def get(legacy_id: str) -> LegacyAccount:
    db.session.expire_all()
    return db.session.scalar(
        select(LegacyAccount).where(LegacyAccount.account_key == legacy.account_key(legacy_id))
    )


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(LegacyAccount))


def counts(report) -> tuple:
    return (
        report.read,
        report.inserted,
        report.updated,
        report.unchanged,
        report.linked_kept,
        report.rejected,
    )


def test_l1_import_accepts_every_hash_format(app, tmp_path):
    """Unsalted hex and self-describing hashes by their shape; salted ones by their declared
    scheme (column ``password_scheme``). Every scheme in detail: test_legacy_schemes.py."""
    salt = "盐-salt$1"
    made = {
        "md5": (ph.hex_md5.hash(PW), "", ""),
        "sha256": (ph.hex_sha256.hash(PW), "", ""),
        "prefix": (hashlib.sha256((salt + PW).encode()).hexdigest(), salt, "sha256;salt=prefix"),
        "suffix": (hashlib.sha256((PW + salt).encode()).hexdigest(), salt, "sha256;salt=suffix"),
        "md5salt": (hashlib.md5((salt + PW).encode()).hexdigest(), salt, "md5;salt=prefix"),
        "md5crypt": (ph.md5_crypt.hash(PW), "", ""),
        "bcrypt": (ph.bcrypt.hash(PW), "", ""),
        "pbkdf2": (ph.pbkdf2_sha256.hash(PW), "", ""),
        "django": (ph.django_pbkdf2_sha256.hash(PW), "", ""),
    }
    rows = [
        row(k, password_hash=h, password_salt=s, password_scheme=c) for k, (h, s, c) in made.items()
    ]
    report = run(write_csv(tmp_path, rows))
    assert counts(report) == (9, 9, 0, 0, 0, 0) and not said(report), said(report)
    for legacy_id in made:
        stored = get(legacy_id).password_hash
        assert legacy_hashes.is_legacy(stored)
        assert legacy_hashes.verify(PW, stored), legacy_id
        assert not legacy_hashes.verify(PW + "x", stored), legacy_id
    assert get("md5").password_hash == f"$legacy-hex$md5$utf-8$none$${MD5}"


def test_l1_bad_rows_are_reported_with_row_number_and_reason(app, tmp_path):
    """A bad hash keeps the account, unusable, with a warning (test_legacy_schemes.py)."""
    rows = [
        row("ok"),
        row(""),
        row("badtype", type="company"),
        row("noname", name=" "),
        row("badtime", registered_at="2019-13-01"),
        row("badhash", password_hash="secret!"),
        row("OK"),
        row("x" * 65),
        row(
            "longsalt",
            password_hash="a" * 64,
            password_salt="s" * 200,
            password_scheme="sha256;salt=suffix",
        ),
    ]
    report = run(write_csv(tmp_path, rows))
    assert counts(report)[:2] == (9, 4) and report.rejected == 5 and count() == 4
    reasons = {n: reason for n, _, kind, reason in said(report) if kind == "rejected"}
    assert sorted(reasons) == [2, 3, 5, 7, 8]
    assert "历史账号" in reasons[2] and "用户类型" in reasons[3]
    assert "注册时间" in reasons[5]
    assert reasons[7] == "历史账号与第 1 条记录重复。"  # "OK" is "ok": one account, the first row
    assert "64" in reasons[8]
    warnings = [(n, reason) for n, _, kind, reason in said(report) if kind == "warning"]
    assert [n for n, _ in warnings] == [4, 6] and "密码哈希" in warnings[1][1]
    assert get("badhash").password_hash == legacy_hashes.UNUSABLE
    assert len(get("longsalt").password_hash) > 255  # TEXT: no length limit (migration 0009)
    assert not any("secret!" in r or "sss" in r for _, _, _, r in said(report))
    # L1: an account without a name still works (supplementation asks for it)
    assert (4, "noname", "warning", "名称为空。") in said(report) and get("noname").name == ""


def test_l1_dirty_identity_fields_are_dropped_not_the_account(app, tmp_path):
    good = resident_id(1)
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    rows = [
        row(
            "a",
            id_type="resident_id",
            id_number="110105801301123",
            mobile="12345",
            email="not-an-email",
            uscc="91110000ABCDEFGHIJ",
            designated="maybe",
        ),
        row(
            "b",
            id_type="居民身份证",
            id_number=wrong_check,
            mobile="+86 138-0013-8000",
            designated="是",
        ),
        row(
            "c",
            id_type="resident_id",
            id_number=good,
            type="简易用户",
            designated="0",
            province="北京市",
            street="复兴门外大街1号（东门）",
        ),
    ]
    report = run(write_csv(tmp_path, rows))
    assert counts(report) == (3, 3, 0, 0, 0, 0)
    warnings = [(line, reason) for line, _, kind, reason in said(report) if kind == "warning"]
    assert [n for n, _ in warnings] == [1, 1, 1, 1, 1, 2]
    assert all(reason.startswith("字段已舍弃：") for _, reason in warnings)
    assert "15 位" in warnings[0][1] and "校验位" in warnings[-1][1]
    assert not any(wrong_check in r or "110105801301123" in r for _, r in warnings)
    a, b, c = get("a"), get("b"), get("c")
    assert (a.id_number_bidx, a.phone, a.email, a.uscc_bidx, a.designated) == (None,) * 5
    assert a.name == "张三" and a.kind == "natural"
    assert (b.id_number_bidx, b.phone, b.designated) == (None, "13800138000", True)
    assert c.kind == "simple" and c.designated is False
    assert c.id_number_bidx == accounts.id_number_index(good)
    assert c.address == {"province": "北京市", "street": "复兴门外大街1号（东门）"}


def test_l1_first_generation_15_digit_id_number_is_converted(app, tmp_path):
    """GB 11643-1999: the 18-digit form is kept, with a warning that shows no digits (D5);
    a 15-digit number whose 18-digit form is invalid (no such date) is dropped as before."""
    rows = [
        row("old", id_type="resident_id", id_number="110105491231002"),
        row("bad", id_number="110105491331002"),
    ]
    report = run(write_csv(tmp_path, rows))
    assert counts(report) == (2, 2, 0, 0, 0, 0)
    warnings = [(line, reason) for line, _, kind, reason in said(report) if kind == "warning"]
    assert warnings[0] == (1, "15 位身份证号码已转换为 18 位。")
    assert warnings[1][0] == 2 and warnings[1][1].startswith("字段已舍弃：证件号码：不支持 15 位")
    assert not any(ch.isdigit() for ch in warnings[0][1].replace("15", "").replace("18", ""))
    old = get("old")
    assert old.id_number_bidx == accounts.id_number_index("11010519491231002X")
    assert old.id_type == "resident_id" and old.id_number_masked == "1101**********002X"
    assert get("bad").id_number_bidx is None
    assert counts(run(write_csv(tmp_path, rows))) == (2, 0, 0, 2, 0, 0)  # idempotent


def test_l1_repeated_id_across_batches_is_rejected_with_first_row(app, tmp_path, monkeypatch):
    """The ids seen are kept on disk across batches (bounded memory), not only in one batch."""
    monkeypatch.setattr(
        services(), "settings", services().settings.replace({"legacy.import_batch": 2})
    )
    rows = [row("a"), row("b"), row("c"), row("A", name="李四"), row("d"), row("b")]
    report = run(write_csv(tmp_path, rows))
    assert counts(report) == (6, 4, 0, 0, 0, 2)
    assert [(n, reason) for n, _, _, reason in said(report)] == [
        (4, "历史账号与第 1 条记录重复。"),
        (6, "历史账号与第 2 条记录重复。"),
    ]
    assert get("a").name == "张三" and count() == 4
    # the re-run skips the unchanged rows, and still refuses the repeats (not "unchanged")
    report = run(write_csv(tmp_path, rows))
    assert counts(report) == (6, 0, 0, 4, 0, 2) and len(said(report)) == 2
    rows[5] = row("B")  # an exact copy of an imported row repeats its id all the same
    rows[1] = row("B")
    report = run(write_csv(tmp_path, rows, name="again.csv"))
    assert [(n, reason) for n, _, _, reason in said(report)] == [
        (4, "历史账号与第 1 条记录重复。"),
        (6, "历史账号与第 2 条记录重复。"),
    ]


def test_l1_committed_batches_look_up_the_batch_ahead_with_the_same_report(
    app, tmp_path, monkeypatch
):
    """When every batch commits (the CLI), the accounts of the batch read ahead are looked up
    while the batches before it are worked on (on PostgreSQL in a thread with its own
    connection, which sees only committed rows): the report is the one of the plain import,
    repeats across batches included, and so is the re-run's."""
    monkeypatch.setattr(
        services(), "settings", services().settings.replace({"legacy.import_batch": 2})
    )
    beside = []
    on = legacy_bulk._existing_on
    monkeypatch.setattr(legacy_bulk, "_existing_on", lambda *a: beside.append(len(a[1])) or on(*a))
    rows = [row("a"), row("b"), row("c"), row("A", name="李四"), row("d"), row("b"), row("e")]
    path = write_csv(tmp_path, rows)
    expected = run(path, dry_run=True)
    report = run(path, commit=transaction.commit)
    assert counts(report) == counts(expected) == (7, 5, 0, 0, 0, 2)
    assert said(report) == said(expected)
    assert bool(beside) == (db.engine.dialect.name == "postgresql")
    rows[2] = row("c", email="c@example.cn")
    report = run(write_csv(tmp_path, rows, name="again.csv"), commit=transaction.commit)
    assert counts(report) == (7, 0, 1, 4, 0, 2) and len(said(report)) == 2
    assert get("c").email == "c@example.cn" and count() == 5


def test_l1_seen_ids_are_kept_on_disk_and_removed_at_the_end():
    with legacy_files.SeenIndex() as seen:
        seen.add({"a": 2, "b": 3})
        seen.add({f"k{n}": n for n in range(1200)})  # more keys than one SELECT's chunk
        assert seen.lines(["a", "c", "b", "a"]) == {"a": 2, "b": 3}
        assert len(seen.lines(f"k{n}" for n in range(1200))) == 1200
        assert os.listdir(seen.folder.name)
    assert not os.path.exists(seen.folder.name)


def test_l1_registered_at_formats_and_beijing_time():
    utc = dt.UTC
    expected = dt.datetime(2025, 7, 31, 16, 0, tzinfo=utc)
    for value in (
        "2025-08-01 00:00:00",
        "2025/8/1 00:00:00",
        "2025-08-01T00:00:00+08:00",
        "2025-07-31T16:00:00Z",
        "2025-08-01",
    ):
        assert legacy_rows.parse_time(value) == expected, value
    for value in ("", "2025-02-30 00:00:00", "yesterday"):
        with pytest.raises(DomainError):
            legacy_rows.parse_time(value)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2019-3-1 9:05", (2019, 3, 1, 1, 5, 0, 0)),
        ("2019年3月1日", (2019, 2, 28, 16, 0, 0, 0)),
        ("2019.03.01 10:00:00.5", (2019, 3, 1, 2, 0, 0, 500000)),
        ("2019-03-01 10:00:00.1234567", (2019, 3, 1, 2, 0, 0, 123456)),
        ("9999-12-31 23:59:59", (9999, 12, 31, 15, 59, 59, 0)),
        ("2019-03-01 10:00:00+08:75", (2019, 3, 1, 0, 45, 0, 0)),
        ("2019/03/01 10:00:00Z", (2019, 3, 1, 10, 0, 0, 0)),
        ("2019-03-01 24:00:00", None),
        ("2019-03-01 23:59:60", None),
        ("2019-02-29 10:00", None),
        ("0000-01-01 00:00:00", None),
        ("0001-01-01 00:00:00", None),
    ],
)  # before UTC's year 1
def test_l1_registered_at_edges_of_the_loose_spellings(value, expected):
    """The common spellings are read without an ISO string in between; the answers, refusals
    included, are the calendar's."""
    if expected is None:
        with pytest.raises(DomainError):
            legacy_rows.parse_time(value)
    else:
        assert legacy_rows.parse_time(value) == dt.datetime(*expected, tzinfo=dt.UTC)


def test_l1_rerun_changes_nothing(app, tmp_path, clock):
    path = write_csv(tmp_path, [row("a"), row("b", type="legal", uscc=uscc(1)), row("c")])
    assert run(path).inserted == 3
    before = {a.id: a.updated_at for a in db.session.scalars(select(LegacyAccount))}
    clock.advance(3600)
    assert counts(run(path)) == (3, 0, 0, 3, 0, 0)
    assert counts(run(path, dry_run=True)) == (3, 0, 0, 3, 0, 0)
    db.session.expire_all()
    assert {a.id: a.updated_at for a in db.session.scalars(select(LegacyAccount))} == before


def test_l1_changed_row_updates_unlinked_account_only(app, tmp_path, clock):
    run(write_csv(tmp_path, [row("free"), row("taken")]))
    clock.advance(60)
    user = make_user()
    legacy_link.link(user, get("taken"))
    db.session.commit()
    changed = [
        row(
            "free",
            name="李四",
            mobile="13900139000",
            city="上海市",
            registered_at="2020-02-02 08:00:00",
            id_number=resident_id(2),
        ),
        row("taken", name="李四"),
    ]
    path = write_csv(tmp_path, changed, name="changed.csv")
    assert counts(run(path, dry_run=True)) == (2, 0, 1, 0, 1, 0)
    assert get("free").name == "张三"
    assert counts(run(path)) == (2, 0, 1, 0, 1, 0)
    free = get("free")
    assert (free.name, free.phone, free.address) == ("李四", "13900139000", {"city": "上海市"})
    assert free.registered_at == dt.datetime(2020, 2, 2, tzinfo=dt.UTC)
    assert free.id_number_bidx == accounts.id_number_index(resident_id(2))
    assert free.id_type == "resident_id" and free.imported_at < free.updated_at
    assert get("taken").name == "张三" and get("taken").user_id == user.id
    assert counts(run(path)) == (2, 0, 0, 1, 1, 0)  # nothing is updated twice


def test_l1_rehashed_password_is_kept_on_reimport(app, tmp_path):
    run(write_csv(tmp_path, [row("used"), row("idle")]))
    assert legacy.check_password(get("used"), PW)  # a legacy login rehashes to argon2id
    rehashed = get("used").password_hash
    assert rehashed.startswith("$argon2")
    new = ph.hex_md5.hash("NewPass#2024")
    path = write_csv(
        tmp_path,
        [row("used", password_hash=new, name="张三丰"), row("idle", password_hash=new)],
        name="again.csv",
    )
    assert counts(run(path)) == (2, 0, 2, 0, 0, 0)
    used, idle = get("used"), get("idle")
    assert used.password_hash == rehashed and used.name == "张三丰"
    assert legacy_hashes.verify(PW, used.password_hash)
    assert idle.password_hash.endswith(new)
    assert legacy_hashes.verify("NewPass#2024", idle.password_hash)


def test_l1_id_numbers_are_encrypted_at_rest(app, tmp_path):
    number, code, filed = resident_id(7), uscc(3), uscc(4)
    rows = [
        row("person", id_type="resident_id", id_number=number.lower()),
        row("company", type="法人", name="甲公司", uscc=code),
        row("agency", type="agency", name="乙代理", uscc=uscc(5), filed_uscc=filed),
    ]
    assert run(write_csv(tmp_path, rows)).inserted == 3
    with db.engine.connect() as conn:
        dump = repr(conn.execute(text("SELECT * FROM legacy_accounts")).all())
    for secret in (number, code, filed, uscc(5)):
        assert secret not in dump
    person, company = get("person"), get("company")
    cipher = services().cipher
    assert cipher.decrypt(person.id_number_enc, "id-number") == number
    assert person.id_number_bidx == accounts.id_number_index(number)
    assert person.id_number_masked == number[:4] + "*" * 10 + number[-4:]
    assert cipher.decrypt(company.uscc_enc, "uscc") == code and company.uscc_masked.count("*") == 10
    assert legacy.find_for_entry("legal", code).account == "company"
    assert legacy.find_for_entry("agency", filed).account == "agency"
    assert legacy.find_for_entry("agency", uscc(5)) is None  # the filed USCC, not the profile's


def test_l1_gb18030_csv_and_jsonl(app, tmp_path):
    path = write_csv(tmp_path, [row("gb", type="自然人", name="欧阳娜娜")], encoding="gb18030")
    with raises_saying(DomainError, "编码"):
        run(path)  # read as UTF-8: refused before anything is written
    assert count() == 0
    assert run(path, encoding="gb18030").inserted == 1 and get("gb").name == "欧阳娜娜"
    lines = [
        json.dumps(row("js1", type="代理机构", name="丙代理", designated=True), ensure_ascii=False),
        "",
        json.dumps(row("js2", registered_at="2020-01-02T03:04:05+08:00"), ensure_ascii=False),
        "{not json",
        json.dumps(["a list"]),
    ]
    jsonl = tmp_path / "export.jsonl"
    jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = run(str(jsonl))
    assert counts(report) == (4, 2, 0, 0, 0, 2)
    assert [n for n, *_ in said(report)] == [3, 4]  # the n-th non-empty line
    assert get("js1").kind == "agency" and get("js1").designated is True
    assert get("js2").registered_at == dt.datetime(2020, 1, 1, 19, 4, 5, tzinfo=dt.UTC)


def test_l1_missing_required_column_imports_nothing(app, tmp_path):
    columns = [c for c in legacy_rows.COLUMNS if c != "password_hash"]
    path = write_csv(tmp_path, [row("a")], columns=columns)
    with raises_saying(DomainError, "password_hash"):
        run(path)
    with pytest.raises(DomainError):
        run(str(tmp_path / "missing.csv"))
    assert count() == 0


def test_l1_large_file_is_imported_in_batches(app, tmp_path):
    """20 000 rows in batches of 1 000: one SELECT of existing accounts per batch."""
    path = tmp_path / "big.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["legacy_id", "type", "name", "registered_at", "password_hash", "mobile"])
        for n in range(20_000):
            writer.writerow(
                [
                    f"user{n}",
                    "natural",
                    f"用户{n}",
                    "2018-01-01 08:00:00",
                    hashlib.md5(str(n).encode()).hexdigest(),
                    f"139{n:08d}",
                ]
            )
    selects = []

    def count_selects(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT") and "legacy_accounts" in statement:
            selects.append(statement)

    event.listen(db.engine, "before_cursor_execute", count_selects)
    try:
        report = run(str(path))
    finally:
        event.remove(db.engine, "before_cursor_execute", count_selects)
    assert counts(report) == (20_000, 20_000, 0, 0, 0, 0) and count() == 20_000
    assert len(selects) == 20
    assert legacy_hashes.verify("19999", get("user19999").password_hash)


def test_l1_imported_time_without_offset_is_beijing_time_for_the_cutoff(app, tmp_path):
    """L2 with L1: the export's local times are Beijing time; the cutoff is 2025-08-01 00:00."""
    run(
        write_csv(
            tmp_path,
            [
                row("Before", registered_at="2025-07-31 23:59:59"),
                row("after", registered_at="2025/08/01 00:00:00"),
            ],
        )
    )
    before = legacy.authenticate("personal", "ＢＥＦＯＲＥ", PW)  # full-width, other case
    assert before is not None and before.refusal is None and before.account.account == "Before"
    assert legacy.authenticate("personal", "after", PW).refusal == legacy.L2_MESSAGE


@pytest.mark.parametrize(
    "written, utc",
    [
        ("2019-03-01 10:00:00", "2019-03-01T02:00:00+00:00"),
        ("2019-03-01 10:00:00.0", "2019-03-01T02:00:00+00:00"),  # Java's Timestamp.toString()
        ("2019/3/1 9:05:00", "2019-03-01T01:05:00+00:00"),
        ("2019.03.01 10:00", "2019-03-01T02:00:00+00:00"),
        ("2019年3月1日", "2019-02-28T16:00:00+00:00"),
        ("2019-03-01T10:00:00Z", "2019-03-01T10:00:00+00:00"),
        ("2019-3-1 10:00:00+08:00", "2019-03-01T02:00:00+00:00"),
        ("1551405600", "2019-03-01T02:00:00+00:00"),  # Unix seconds
        ("1551405600000", "2019-03-01T02:00:00+00:00"),  # Unix milliseconds
    ],
)
def test_l1_registration_times_as_legacy_exports_write_them(written, utc):
    assert legacy_rows.parse_time(written).isoformat() == utc


@pytest.mark.parametrize("written", ["", "abc", "2019-13-01", "2019-02-30", "19-03-01"])
def test_l1_unreadable_registration_time_rejects_the_row(written):
    with pytest.raises(ValidationError):
        legacy_rows.parse_time(written)


def test_l1_unchanged_rows_are_skipped_before_parsing_or_encrypting(app, tmp_path, monkeypatch):
    """A re-run compares the keyed digest of each record as spelt first: an unchanged row is never
    parsed, encrypted or hashed; only the changed row is."""
    rows = [
        row("a", id_type="resident_id", id_number=resident_id(1), mobile="13900139000"),
        row("b", type="legal", name="甲公司", uscc=uscc(1)),
        row("c", email="c@example.cn"),
    ]
    path = write_csv(tmp_path, rows)
    assert run(path).inserted == 3
    calls = {"parse": 0, "encrypt": 0}
    parse, cipher = legacy_rows.parse, services().cipher
    encrypt = cipher.encrypt

    def spy_parse(*args, **kw):
        calls["parse"] += 1
        return parse(*args, **kw)

    def spy_encrypt(*args, **kw):
        calls["encrypt"] += 1
        return encrypt(*args, **kw)

    monkeypatch.setattr(legacy_rows, "parse", spy_parse)
    monkeypatch.setattr(cipher, "encrypt", spy_encrypt)
    assert counts(run(path)) == (3, 0, 0, 3, 0, 0)
    assert calls == {"parse": 0, "encrypt": 0}
    rows[2] = row("c", email="new@example.cn")
    assert counts(run(write_csv(tmp_path, rows, name="changed.csv"))) == (3, 0, 1, 2, 0, 0)
    assert calls == {"parse": 1, "encrypt": 1}  # row c: its e-mail only
    assert get("c").email == "new@example.cn"


def test_l1_declaring_a_password_scheme_reads_every_row_again(app, tmp_path):
    """The file's default password scheme keys the digest: declaring one re-reads every row
    (its hash may now be read otherwise), and the same run again skips them."""
    path = write_csv(tmp_path, [row("a"), row("b")])
    run(path)
    before = get("a").row_digest
    assert counts(run(path, password_scheme="md5")) == (2, 0, 2, 0, 0, 0)
    assert get("a").row_digest != before
    assert counts(run(path, password_scheme="md5")) == (2, 0, 0, 2, 0, 0)


def test_l1_a_row_spelt_otherwise_is_read_again_with_the_same_values(app, tmp_path):
    """The digest is taken over the record as the file spells it: the same values with other
    spacing or another column order are read again (never skipped on a guess), and give the
    same account."""
    path = write_csv(tmp_path, [row("a", mobile="13900139000")])
    run(path)
    first = get("a")
    before = (first.row_digest, first.phone, first.password_hash, first.name)
    spaced = write_csv(tmp_path, [row("a", mobile=" 13900139000 ")], name="spaced.csv")
    assert counts(run(spaced)) == (1, 0, 1, 0, 0, 0)
    again = get("a")
    assert again.row_digest != before[0]
    assert (again.phone, again.password_hash, again.name) == before[1:]
    reordered = write_csv(
        tmp_path,
        [row("a", mobile=" 13900139000 ")],
        name="reordered.csv",
        columns=list(reversed(legacy_rows.COLUMNS)),
    )
    assert counts(run(reordered)) == (1, 0, 1, 0, 0, 0)
    assert counts(run(reordered)) == (1, 0, 0, 1, 0, 0)


def test_l1_rows_are_numbered_as_records_not_file_lines(app, tmp_path):
    """A quoted value spanning lines is one record: the report names the data row (1 = the first
    record after the header), as the office counts rows in a spreadsheet."""
    path = tmp_path / "multiline.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, legacy_rows.COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerow(row("a", street="复兴门外大街1号\n东门\n收发室"))
        writer.writerow(row("b", type="robot"))
        writer.writerow(row("c", mobile="12345"))
    report = run(str(path))
    assert counts(report) == (3, 2, 0, 0, 0, 1)
    assert [(n, legacy_id, kind) for n, legacy_id, kind, _ in said(report)] == [
        (2, "b", "rejected"),
        (3, "c", "warning"),
    ]
    assert get("a").address == {"street": "复兴门外大街1号\n东门\n收发室"}


def test_l1_bulk_path_per_back_end_gives_the_same_report(app, tmp_path, monkeypatch):
    """PostgreSQL inserts with COPY, SQLite with Core inserts: the same accounts and report
    (this test runs on both back ends with the same expectations)."""
    copies = []
    copy = legacy_bulk._copy
    monkeypatch.setattr(legacy_bulk, "_copy", lambda rows: copies.append(len(rows)) or copy(rows))
    monkeypatch.setattr(
        services(), "settings", services().settings.replace({"legacy.import_batch": 3})
    )
    rows = [
        row("a", province="北京市", designated="1"),
        row("b", type="legal", uscc=uscc(2)),
        row("c", mobile="123"),
        row("A"),
        row("d", registered_at="bad"),
        row("e", type="agency", filed_uscc=uscc(3), email="E@Example.CN"),
    ]
    report = run(write_csv(tmp_path, rows))
    assert counts(report) == (6, 4, 0, 0, 0, 2)
    assert [(n, kind) for n, _, kind, _ in said(report)] == [
        (3, "warning"),
        (4, "rejected"),
        (5, "rejected"),
    ]
    postgres = db.engine.dialect.name == "postgresql"
    assert copies == ([3, 1] if postgres else [])
    a, e = get("a"), get("e")
    assert a.address == {"province": "北京市"} and a.designated is True
    assert a.registered_at == dt.datetime(2019, 5, 1, 2, tzinfo=dt.UTC)
    assert e.email == "e@example.cn" and legacy.find_for_entry("agency", uscc(3)).account == "e"
    assert counts(run(write_csv(tmp_path, rows))) == (6, 0, 0, 4, 0, 2)


def test_l1_worker_processes_give_the_same_report(app, tmp_path, monkeypatch):
    monkeypatch.setattr(
        services(), "settings", services().settings.replace({"legacy.import_batch": 3})
    )  # 7 batches
    rows = [
        row(
            f"u{n}",
            mobile="123" if n % 3 else "13900139000",
            registered_at="bad" if n % 7 == 6 else "2019-05-01",
        )
        for n in range(20)
    ]
    rows.append(row("U1"))
    path = write_csv(tmp_path, rows)
    alone = run(path, dry_run=True)
    here = []
    parse = legacy_rows.parse
    monkeypatch.setattr(legacy_rows, "parse", lambda *a, **kw: here.append(1) or parse(*a, **kw))
    pooled = run(path, workers=2)
    assert here == []  # parsed in the worker processes (their calls are counted there)
    assert counts(pooled) == counts(alone) == (21, 18, 0, 0, 0, 3)
    assert pooled.issues == alone.issues and count() == 18
    assert services().cipher.decrypt(get("u0").phone_enc, "mobile") == "13900139000"


def test_l1_filed_uscc_from_the_register_by_legacy_account_id(app, tmp_path):
    """With ``filed_uscc_from_register`` an agency row without a ``filed_uscc`` cell takes the
    USCC the filing register keeps for its legacy account id (login table: the agency entry);
    a change on the register updates the account on the next import."""
    for n, key in ((11, "agency-a"), (12, None)):
        file_agency(uscc(n))
        filing = db.session.scalar(
            select(AgencyFiling).where(AgencyFiling.uscc_bidx == registers.uscc_index(uscc(n)))
        )
        filing.legacy_account_key = key
    db.session.commit()
    rows = [
        row("Agency-A", type="agency", name="甲代理"),
        row("agency-b", type="代理机构", name="乙代理"),
        row("agency-c", type="agency", name="丙代理", filed_uscc=uscc(13)),
        row("agency-a-person"),
    ]
    path = write_csv(tmp_path, rows)
    assert counts(run(path, dry_run=True)) == (4, 4, 0, 0, 0, 0)
    assert get("agency-a") is None
    report = run(path, filed_uscc_from_register=True)
    assert counts(report) == (4, 4, 0, 0, 0, 0)
    assert [(n, reason) for n, _, _, reason in said(report)] == [
        (2, "代理机构备案登记册中没有该历史账号，备案统一社会信用代码为空。")
    ]
    assert legacy.find_for_entry("agency", uscc(11)).account == "Agency-A"
    assert get("agency-b").filed_uscc_bidx is None
    assert legacy.find_for_entry("agency", uscc(13)).account == "agency-c"
    assert counts(run(path, filed_uscc_from_register=True))[3] == 4  # unchanged
    filing = db.session.scalar(
        select(AgencyFiling).where(AgencyFiling.uscc_bidx == registers.uscc_index(uscc(12)))
    )
    filing.legacy_account_key = "agency-b"
    db.session.commit()
    assert counts(run(path, filed_uscc_from_register=True)) == (4, 0, 1, 3, 0, 0)
    assert legacy.find_for_entry("agency", uscc(12)).account == "agency-b"


def test_l1_what_the_old_system_accepted_keeps_its_account(app, tmp_path):
    """L1: no account the old system took is lost to a spelling: other type labels, names
    that sign-up would refuse, undecodable bytes outside the fields an account needs."""
    long_name = "甲" * 205
    rows = [
        row("t1", type="个人用户"),
        row("t2", type="法人单位", name="甲公司"),
        row("n1", name="123"),
        row("n2", name="张\u200b三"),
        row("n3", name=long_name),
        row("b1", street="学院路\ufffd号", mobile="139\x0000139000"),
        row("b2\ufffd"),
        row("t3", registered_at="Fri Mar 01 10:00:00 CST 2019"),
    ]
    report = run(write_csv(tmp_path, rows))
    assert counts(report) == (8, 7, 0, 0, 0, 1)
    issues = [(n, kind, reason) for n, _, kind, reason in said(report)]
    assert issues == [
        (4, "warning", "名称中的控制字符或不可见的格式字符已删除。"),
        (5, "warning", "名称超过 200 个字，已截断。"),
        (6, "warning", "字段已舍弃：mobile：含有无法解码的字节或空字符，请核对文件编码。"),
        (6, "warning", "字段已舍弃：street：含有无法解码的字节或空字符，请核对文件编码。"),
        (7, "rejected", "legacy_id 含有无法解码的字节或空字符，请核对文件编码。"),
    ]
    assert (get("t1").kind, get("t2").kind) == ("natural", "legal")
    assert (get("n1").name, get("n2").name, get("n3").name) == ("123", "张三", "甲" * 200)
    assert get("b1").address is None and get("b1").phone is None
    assert get("t3").registered_at == dt.datetime(2019, 3, 1, 2, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "written, utc",
    [
        ("20190301", "2019-02-28T16:00:00+00:00"),
        ("201903011000", "2019-03-01T02:00:00+00:00"),
        ("20190301100000", "2019-03-01T02:00:00+00:00"),
        ("Fri Mar 01 10:00:00 CST 2019", "2019-03-01T02:00:00+00:00"),  # java.util.Date
        ("2019年03月01日 10时00分00秒", "2019-03-01T02:00:00+00:00"),
    ],
)
def test_l1_more_registration_time_spellings(written, utc):
    assert legacy_rows.parse_time(written).isoformat() == utc
