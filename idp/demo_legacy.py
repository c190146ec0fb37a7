"""Demo legacy accounts (商标网上申请系统历史账号): one per path a legacy login can take (L1–L6,
S1–S6), called by ``demo.seed`` (never in production).

They are imported the real way, through ``legacy_import.import_file`` on a small CSV written to
a temporary directory, with their password hashes in the legacy system's formats (L1), made at
seed time (the password is public demo data). Each shows one path:

- tm_sunqi (MD5): natural person, not linked → natural-person supplementation (S2);
- tm_zhangsan (bcrypt): linked to the demo user 张三 → the legacy login signs in 张三 (L6);
- tm_hengtai (salted SHA-256): legal person, at the legal entry by its USCC → S4;
- tm_zhixin (MD5-crypt): agency, at the agency entry by the USCC on the filing register, the
  same as its legacy profile's (Y1: a differing one needs a filing change first) → S6; its
  practitioner 周八 is not a user here;
- tm_globex (PBKDF2-SHA256): legal person without a USCC, by its account id → S5;
- tm_late: registered after the cutoff → refused (L2);
- tm_wujiu (designated) and tm_wujiu_s (simple user, not designated) → tm_wujiu_s refused (L4).

Idempotent: only missing accounts are imported (a re-run creates nothing and hashes nothing).
"""

from __future__ import annotations

import csv
import hashlib
import os
import tempfile

from .demo_common import DEMO_USER, import_register_row

PASSWORD = "Legacy-pass-2026"
ZHIXIN = {"uscc": "911101087000000522", "name": "北京知信商标代理有限公司"}  # filed (Y1)
PRACTITIONER = ("周八", "110105197503200050")  # of 知信 on the register; no user here (S6)
HENGTAI_SALT = "hengtai"
COLUMNS = (
    "legacy_id",
    "type",
    "name",
    "id_type",
    "id_number",
    "uscc",
    "filed_uscc",
    "mobile",
    "email",
    "street",
    "postal_code",
    "registered_at",
    "designated",
    "password_hash",
    "password_salt",
    "password_scheme",
)
ACCOUNTS = [  # (scheme, row); every number and code here passes its check (D1, D2)
    (
        "md5",
        dict(
            legacy_id="tm_sunqi",
            type="natural",
            name="孙七",
            id_type="resident_id",
            id_number="110108198805120033",
            mobile="13800138030",
            email="sunqi@example.com",
            street="北京市海淀区知春路 1 号",
            postal_code="100083",
            registered_at="2019-03-01 10:00:00",
        ),
    ),
    (
        "bcrypt",
        dict(
            legacy_id="tm_zhangsan",
            type="natural",
            name="张三",
            id_type="resident_id",
            id_number=DEMO_USER["id_number"],
            mobile=DEMO_USER["phone"],
            registered_at="2018-06-01 09:00:00",
        ),
    ),
    (
        "salted_sha256",
        dict(
            legacy_id="tm_hengtai",
            type="legal",
            name="北京恒泰科技有限公司",
            uscc="91110108700000036C",
            mobile="13800138031",
            registered_at="2017-04-10 14:30:00",
        ),
    ),
    (
        "md5_crypt",
        dict(
            legacy_id="tm_zhixin",
            type="agency",
            name=ZHIXIN["name"],
            uscc=ZHIXIN["uscc"],
            filed_uscc=ZHIXIN["uscc"],
            registered_at="2016-09-20 08:00:00",
        ),
    ),
    (
        "pbkdf2_sha256",
        dict(
            legacy_id="tm_globex",
            type="legal",
            name="Globex Trading Ltd",
            registered_at="2020-11-11 11:00:00",
        ),
    ),
    (
        "md5",
        dict(
            legacy_id="tm_late",
            type="natural",
            name="郑十",
            id_type="resident_id",
            id_number="110105199208150045",
            registered_at="2025-09-01 10:00:00",
        ),
    ),
    (
        "md5",
        dict(
            legacy_id="tm_wujiu",
            type="natural",
            name="吴九",
            id_type="resident_id",
            id_number="110105198306110069",
            registered_at="2019-07-01 10:00:00",
            designated="1",
        ),
    ),
    (
        "md5",
        dict(
            legacy_id="tm_wujiu_s",
            type="simple",
            name="吴九",
            id_type="resident_id",
            id_number="110105198306110069",
            registered_at="2020-07-01 10:00:00",
            designated="0",
        ),
    ),
]
LINKED = ("tm_zhangsan", DEMO_USER["phone"])  # legacy id, the demo user's mobile (L6)


def seed() -> list[str]:
    """The register rows of 知信, the missing legacy accounts, 张三's link; a line per change."""
    return _seed_registers() + _seed_accounts() + _seed_link()


def _seed_registers() -> list[str]:
    from .domain.accounts import users as accounts
    from .domain.registers import lookup as registers

    done = []
    if registers.filing_for(registers.uscc_index(ZHIXIN["uscc"])) is None:
        done += import_register_row("agencies", f"{ZHIXIN['uscc']},{ZHIXIN['name']},2016-09-01")
    name, number = PRACTITIONER
    if registers.practitioner_for(accounts.id_number_index(number)) is None:
        done += import_register_row(
            "practitioners", f"{name},resident_id,{number},{ZHIXIN['uscc']}"
        )
    return done


def _seed_accounts() -> list[str]:
    from sqlalchemy import select

    from .domain.legacy import importer as legacy_import
    from .domain.legacy import login as legacy
    from .domain.models import LegacyAccount
    from .extensions import db

    keys = [legacy.account_key(row["legacy_id"]) for _, row in ACCOUNTS]
    present = set(
        db.session.scalars(
            select(LegacyAccount.account_key).where(LegacyAccount.account_key.in_(keys))
        )
    )
    missing = [
        (scheme, row)
        for scheme, row in ACCOUNTS
        if legacy.account_key(row["legacy_id"]) not in present
    ]
    if not missing:
        return []
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "legacy-accounts.csv")
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, COLUMNS, restval="")
            writer.writeheader()
            writer.writerows({**row, **_hashed(scheme)} for scheme, row in missing)
        report = legacy_import.import_file(path)
    refused = [
        (line, reason)
        for line, _, kind, reason in report.issues
        if kind == "rejected" or reason.code == "import.hash_unusable"
    ]  # each must log in
    if refused:
        raise RuntimeError(f"demo legacy accounts rejected or unusable: {refused}")
    return [
        f"legacy accounts: {report.inserted} imported "
        f"({', '.join(row['legacy_id'] for _, row in missing)})"
    ]


def _hashed(scheme: str) -> dict:
    """The password hash (and salt) of ``PASSWORD`` as the legacy system stored it (L1); a
    salted hash declares its scheme (the shape alone is ambiguous)."""
    from passlib import hash as ph

    if scheme == "salted_sha256":
        return {
            "password_hash": hashlib.sha256((HENGTAI_SALT + PASSWORD).encode()).hexdigest(),
            "password_salt": HENGTAI_SALT,
            "password_scheme": "sha256;salt=prefix",
        }
    handler = {
        "md5": ph.hex_md5,
        "bcrypt": ph.bcrypt,
        "md5_crypt": ph.md5_crypt,
        "pbkdf2_sha256": ph.pbkdf2_sha256,
    }[scheme]
    return {"password_hash": handler.hash(PASSWORD)}


def _seed_link() -> list[str]:
    """L3/L6: tm_zhangsan linked to 张三 — the holder of the demo mobile only when the ID
    number is the same too — unless either is linked already."""
    from .domain.accounts import users as accounts
    from .domain.legacy import link as legacy_link
    from .domain.legacy import login as legacy
    from .extensions import db

    legacy_id, phone = LINKED
    user = accounts.find_by_login(phone)
    account = legacy.find_for_entry("personal", legacy_id)
    if (
        user is None
        or account is None
        or account.linked
        or legacy_link.linked_account(user)
        or user.id_number_bidx != account.id_number_bidx
    ):
        return []
    legacy_link.link(user, account)
    db.session.commit()
    return [f"legacy account {legacy_id} linked to {user.name}"]


def credentials() -> list[str]:
    """Login-page lines for the legacy accounts (method 历史账号 of each entry)."""
    pw = PASSWORD
    return [
        f"自然人 历史账号: tm_sunqi, password {pw} → 信息补录 (S2)",
        f"自然人 历史账号: tm_zhangsan, password {pw} → linked: signs in 张三 (L6)",
        f"法人 历史账号: USCC 91110108700000036C (tm_hengtai), password {pw} (+ captcha) → "
        "信息补录 (S4)",
        f"法人 历史账号: tm_globex (no USCC), password {pw} (+ captcha) → 信息补录, review (S5)",
        f"代理机构 历史账号: USCC {ZHIXIN['uscc']} (tm_zhixin, filed and in its legacy profile), "
        f"password {pw} (+ captcha) → 信息补录 (S6); handler 周八 is not registered",
        f"自然人 历史账号: tm_late, password {pw} → refused: registered after the cutoff (L2)",
        f"自然人 历史账号: tm_wujiu_s, password {pw} → refused: not the designated account (L4); "
        "tm_wujiu signs in",
    ]
