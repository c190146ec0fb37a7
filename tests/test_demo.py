"""``idp demo seed`` makes one account per row of the login table (domain.md; G1, P3, Y1, Y2),
and each signs in through the login page with the credentials the command prints; its legacy
accounts (``demo_legacy``) each take their legacy login path (L1–L6, S2–S6); its sample
subsystems are clients of their batches (R1). ``idp demo reset`` brings the seeded state back
after a walk through the journeys, and only where that cannot destroy real data."""

from __future__ import annotations

import pytest
from sqlalchemy import select

import orgkit
from idp import demo, demo_legacy
from idp.domain import transaction
from idp.domain.accounts import users as accounts
from idp.domain.clients import registry as clients
from idp.domain.identity import documents
from idp.domain.legacy import hashes as legacy_hashes
from idp.domain.legacy import link as legacy_link
from idp.domain.legacy import login as legacy
from idp.domain.models import (
    AgencyFiling,
    HandlerBinding,
    LegacyAccount,
    Practitioner,
    StoredFile,
    User,
)
from idp.domain.organisations import files, handlers
from idp.domain.organisations import registration as organisations
from idp.domain.registers import lookup as registers
from idp.extensions import db
from idp.services import services
from support import Browser, make_user

ANSWER = "2468"


@pytest.fixture
def settings_overrides(tmp_path):
    return {
        "captcha": {"deterministic": True, "deterministic_answer": ANSWER},
        "files": {"upload_dir": str(tmp_path / "uploads")},
    }


def sign_in(app, entry: str, method: str | None, identifier: str) -> Browser:
    browser = Browser(app)
    args = {"entry": entry, **({"method": method} if method else {})}
    form = browser.http.get("/login", query_string=args)
    answer = browser.submit(form, identifier=identifier, password=demo.PASSWORD, captcha=ANSWER)
    assert answer.status_code == 302 and answer.location == "/account", answer.get_data(
        as_text=True
    )
    return browser


def test_y1_demo_usccs_are_valid():
    for spec in (demo.DEMO_LEGAL, demo.DEMO_AGENCY):
        assert documents.validate_uscc(spec["uscc"]) == spec["uscc"]


def test_g1_demo_seed_every_login_row_signs_in(app):
    created = demo.seed()
    assert any("北京示例科技有限公司" in line for line in created)
    assert any("handler 王五 bound" in line for line in created)
    sign_in(app, "personal", None, demo.DEMO_USER["phone"])
    sign_in(app, "legal", None, demo.DEMO_LEGAL["uscc"])
    sign_in(app, "agency", None, demo.DEMO_AGENCY["uscc"])
    sign_in(app, "legal", "handler", demo.DEMO_HANDLERS[0]["phone"])  # 李四 for the company
    sign_in(app, "agency", "handler", demo.DEMO_HANDLERS[1]["phone"])  # 王五 for the agency
    lines = demo.credentials()
    assert all(demo.PASSWORD in line for line in lines[:7]) and len(lines) == 14
    assert all(demo_legacy.PASSWORD in line for line in lines[7:])


def test_y2_demo_agency_handler_is_a_filed_practitioner(app):
    demo.seed()
    assert registers.filing_for(registers.uscc_index(demo.DEMO_AGENCY["uscc"])) is not None
    wangwu = db.session.scalar(db.select(User).where(User.phone == "13800138002"))
    assert registers.practitioner_for(wangwu.id_number_bidx) is not None
    [binding] = handlers.organisations_for_handler(wangwu, kind="agency")
    assert binding.for_agency and binding.organisation.name == demo.DEMO_AGENCY["name"]


def test_demo_seed_twice_creates_nothing_more(app):
    assert demo.seed()
    models = (User, HandlerBinding, AgencyFiling, Practitioner, LegacyAccount)
    counts = [db.session.scalar(db.select(db.func.count()).select_from(m)) for m in models]
    assert counts[-1] == len(demo_legacy.ACCOUNTS)
    assert demo.seed() == []
    assert [db.session.scalar(db.select(db.func.count()).select_from(m)) for m in models] == counts
    assert organisations.find_by_uscc(demo.DEMO_LEGAL["uscc"], "legal") is not None


def legacy_login(entry: str, identifier: str) -> legacy.LegacyLogin:
    outcome = legacy.authenticate(entry, identifier, demo_legacy.PASSWORD)
    assert outcome is not None, identifier
    return outcome


def test_l1_demo_legacy_accounts_take_their_login_paths(app):
    """L1 (every hash format through the real import), L6 linked → 张三, L2 and L4 refusals,
    and the unlinked ones reach supplementation (S2, S4, S5, S6: no refusal, no user)."""
    created = demo.seed()
    assert any("legacy accounts: 8 imported" in line for line in created)
    assert any("tm_zhangsan linked to 张三" in line for line in created)
    stored = {a.account: a.password_hash for a in db.session.scalars(db.select(LegacyAccount))}
    assert all(legacy_hashes.is_legacy(h) for h in stored.values())
    linked = legacy_login("personal", "tm_zhangsan")
    assert linked.user is not None and linked.user.phone == demo.DEMO_USER["phone"]
    assert legacy_login("personal", "tm_late").refusal == legacy.L2_MESSAGE
    assert legacy_login("personal", "tm_wujiu_s").refusal == legacy.L4_MESSAGE
    assert legacy_login("personal", "tm_wujiu").refusal is None
    for entry, identifier, kind in (
        ("personal", "tm_sunqi", "natural"),
        ("legal", "91110108700000036C", "legal"),
        ("legal", "tm_globex", "legal"),
        ("agency", demo_legacy.ZHIXIN["uscc"], "agency"),
    ):
        outcome = legacy_login(entry, identifier)
        assert (outcome.user, outcome.refusal, outcome.account.kind) == (None, None, kind)
    by_id = legacy.authenticate("agency", "tm_zhixin", demo_legacy.PASSWORD)
    assert by_id.refusal == legacy.MESSAGES["agency_use_uscc"]  # its USCC is the filed one, Y1
    assert legacy.authenticate("personal", "tm_sunqi", demo.PASSWORD) is None
    sunqi = legacy.find_for_entry("personal", "tm_sunqi")
    assert (sunqi.phone, sunqi.email, sunqi.address) == (
        "13800138030",
        "sunqi@example.com",
        {"street": "北京市海淀区知春路 1 号", "postal_code": "100083"},
    )
    assert legacy.find_for_entry("legal", "tm_globex").uscc_bidx is None


def test_y2_demo_legacy_agency_is_filed_and_its_practitioner_is_no_user(app):
    demo.seed()
    filing = registers.filing_for(registers.uscc_index(demo_legacy.ZHIXIN["uscc"]))
    assert filing is not None and filing.name == demo_legacy.ZHIXIN["name"]
    number = demo_legacy.PRACTITIONER[1]
    assert registers.practitioner_for(accounts.id_number_index(number)) is not None
    assert accounts.find_by_login(number) is None


def test_l1_demo_legacy_reseed_keeps_rehashed_passwords_and_the_link(app):
    demo.seed()
    legacy_login("personal", "tm_sunqi")  # rehashed to argon2id (L1)
    rehashed = legacy.find_for_entry("personal", "tm_sunqi").password_hash
    assert demo.seed() == []
    assert legacy.find_for_entry("personal", "tm_sunqi").password_hash == rehashed
    assert legacy_login("personal", "tm_zhangsan").user.phone == demo.DEMO_USER["phone"]


def test_r2_demo_organisations_are_verified_through_the_register(app):
    from enterprisekit import register_knows
    from idp.domain.clients import claims
    from idp.domain.errors import ValidationError

    name, number = demo.DEMO_REPRESENTATIVE
    register_knows()  # a register that knows none of them: the demo cannot bypass it
    with pytest.raises(ValidationError):
        demo.seed()
    db.session.rollback()
    register_knows(
        *[
            (spec["uscc"], spec["name"], name, number)
            for spec in (demo.DEMO_LEGAL, demo.DEMO_AGENCY)
        ]
    )
    demo.seed()
    for spec, kind in ((demo.DEMO_LEGAL, "legal"), (demo.DEMO_AGENCY, "agency")):
        org = organisations.find_by_uscc(spec["uscc"], kind)
        assert org.verified_by == "register"
        assert claims.domain_claims(org.user, {"profile"})["verified"] is True


def test_r1_demo_sample_subsystems_are_enabled_clients_of_their_batches(app):
    """The three samples of clients/, each on its own port; the later batches switched on in
    the demo so that single sign-on across them can be shown."""
    demo.seed()
    expected = {
        "tm-application": ("商标网上申请", "第一批", 5001),
        "tm-query": ("商标网上查询", "后续批次", 5002),
        "tm-gazette": ("商标公告", "后续批次", 5003),
    }
    for client_id, (name, batch, port) in expected.items():
        client = clients.get(client_id)
        base = f"http://127.0.0.1:{port}"
        assert (client.name, client.batch, client.enabled) == (name, batch, True)
        assert client.redirect_uris == [base + "/callback"]
        assert client.post_logout_redirect_uris == [base + "/"]
        assert client.backchannel_logout_uri == base + "/backchannel-logout"
        assert client.secret_digest == services().client_secret_digest(f"dev-secret-{client_id}")


def rows_per_table() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(db.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def test_demo_reset_brings_back_the_seeded_state_after_a_walk(app):
    demo.seed()
    transaction.commit()
    seeded = rows_per_table()
    people = sorted(db.session.scalars(select(User.name)))
    # a walk: 张三 signs in (an SSO session, the audit trail), a new person registers and
    # links a demo legacy account, a foreign organisation's PDF is uploaded (S5)
    browser = sign_in(app, "personal", None, demo.DEMO_USER["phone"])
    newcomer = make_user(phone="13900139123", name="路人甲")
    legacy_link.link(newcomer, legacy.find_for_entry("personal", "tm_sunqi"))
    upload = files.store_pdf(orgkit.pdf_bytes(), "营业执照.pdf", "qualification")
    transaction.commit()
    assert rows_per_table() != seeded
    stored = services().files.directory / upload.storage_name
    assert stored.exists()

    done = demo.reset(confirmed=True)  # whatever the test database is
    transaction.commit()
    assert done[:2] == [f"emptied {len(seeded)} tables", "emptied the store"]
    assert "uploaded files deleted: 1" in done
    assert rows_per_table() == seeded
    assert sorted(db.session.scalars(select(User.name))) == people
    assert legacy.find_for_entry("personal", "tm_sunqi").user_id is None
    assert accounts.find_by_login("13900139123") is None
    assert db.session.scalar(select(db.func.count()).select_from(StoredFile)) == 0
    assert not stored.exists()
    assert browser.http.get("/account").status_code == 302  # the SSO session went too
    sign_in(app, "personal", None, demo.DEMO_USER["phone"])  # the demo walks again


def test_demo_reset_is_refused_in_production(app, monkeypatch):
    demo.seed()
    transaction.commit()
    before = rows_per_table()
    svc = services()
    monkeypatch.setattr(svc, "settings", svc.settings.replace({"env": "production"}))
    result = app.test_cli_runner().invoke(args=["demo", "reset", "--yes"])
    assert result.exit_code == 1 and "生产环境" in result.stderr
    assert rows_per_table() == before


def test_demo_reset_refuses_a_database_not_embedded_unless_confirmed(app, monkeypatch):
    """Only SQLite (embedded, development) is emptied without ``--yes``; the refusal names
    the database without its password and touches nothing."""
    demo.seed()
    newcomer = make_user(phone="13900139123", name="路人甲")
    svc = services()
    elsewhere = "postgresql+psycopg://idp:s3cret@db.example.test/idp"
    monkeypatch.setattr(svc, "settings", svc.settings.replace({"database_url": elsewhere}))
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["demo", "reset"])
    assert refused.exit_code == 1 and "--yes" in refused.stderr
    assert "db.example.test/idp" in refused.stderr and "s3cret" not in refused.stderr
    assert accounts.find_by_login(newcomer.phone) is not None
    confirmed = runner.invoke(args=["demo", "reset", "--yes"])
    assert confirmed.exit_code == 0, confirmed.output
    assert "emptied the store" in confirmed.stdout and "Demo-pass-2026" in confirmed.stdout
    db.session.remove()
    assert accounts.find_by_login(newcomer.phone) is None
    assert accounts.find_by_login(demo.DEMO_USER["phone"]) is not None
