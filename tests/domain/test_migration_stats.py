"""The migration dashboard's figures (``legacy_migration_stats``) and the times they count:
``first_login_at`` at the first successful legacy login, ``supplemented_at`` when a
supplementation completes with the link (L3), not when 旧账号管理 links an existing account."""

from __future__ import annotations

import datetime as dt

from idp.domain.legacy import link as legacy_link
from idp.domain.legacy import login as legacy_login
from idp.domain.legacy import migration_stats as stats
from idp.domain.models import LegacyAccount, LegacyAppeal, StoredFile
from idp.domain.models._types import from_timestamp
from idp.extensions import db
from idp.services import services
from legacykit import LEGACY_PASSWORD, make_legacy_account
from supplementkit import natural_legacy
from support import make_user

DAY = 86400


def test_first_login_at_is_set_by_the_first_successful_legacy_login_only(app, clock):
    account = natural_legacy()
    assert legacy_login.authenticate("personal", "L0001", "wrong-password") is None
    assert account.first_login_at is None
    first = clock.now()
    assert legacy_login.authenticate("personal", "L0001", LEGACY_PASSWORD) is not None
    db.session.commit()
    clock.advance(DAY)
    assert legacy_login.authenticate("personal", "L0001", LEGACY_PASSWORD) is not None
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(LegacyAccount, account.id).first_login_at == from_timestamp(first)


def test_l3_a_supplementation_link_sets_supplemented_at(app, clock):
    account = make_legacy_account("simple1", kind="simple", name="张三", id_type=None)
    user = make_user(phone="13700137001", name="张三")
    legacy_link.link(user, account)
    db.session.commit()
    assert account.supplemented_at == from_timestamp(clock.now()) == account.linked_at


def test_l3_linking_an_existing_account_leaves_supplemented_at_empty(app, clock):
    make_legacy_account("simple1", kind="simple", name="张三", id_type=None)
    user = make_user(phone="13700137001", name="张三")
    account = legacy_link.link_existing(user, "simple1", LEGACY_PASSWORD)
    db.session.commit()
    assert account is not None and account.linked_at is not None
    assert account.supplemented_at is None


def at(ts: float) -> dt.datetime:
    return from_timestamp(ts)


def known_accounts(clock) -> float:
    """Six accounts over three Beijing days; returns the start of today (Beijing) in UTC
    seconds. Two days ago: 2 natural + 1 agency imported; yesterday: 1 legal imported, at
    23:30 Beijing (15:30 UTC), and a natural's first login; today (00:30 Beijing = 16:30 UTC
    the day before in UTC): 1 simple imported, 1 natural signed in, supplemented and linked,
    the agency linked without supplementation."""
    now = clock.now()
    today = dt.datetime.combine(
        dt.datetime.fromtimestamp(now, stats.BEIJING).date(), dt.time(), stats.BEIJING
    ).timestamp()
    rows = []
    for n, (kind, imported) in enumerate(
        [
            ("natural", today - 2 * DAY + 3600),
            ("natural", today - 2 * DAY + 7200),
            ("agency", today - 2 * DAY + 7200),
            ("legal", today - 1800),  # 23:30 yesterday, Beijing
            ("simple", today + 1800),  # 00:30 today, Beijing
        ]
    ):
        row = make_legacy_account(f"K{n}", kind=kind, id_type=None)
        row.imported_at = at(imported)
        rows.append(row)
    rows[0].first_login_at = at(today - DAY + 60)
    rows[1].first_login_at = at(today + 60)
    rows[1].supplemented_at = rows[1].linked_at = at(today + 120)
    rows[2].linked_at = at(today + 180)
    db.session.commit()
    return today


def test_figures_by_kind_and_by_beijing_day(app, clock):
    today = known_accounts(clock)
    figures = stats.figures(days=3)
    day = [dt.datetime.fromtimestamp(today + n * DAY, stats.BEIJING).date() for n in (-2, -1, 0)]
    assert figures.days == day
    assert figures.by_kind[stats.IMPORTED] == {"natural": 2, "legal": 1, "agency": 1, "simple": 1}
    assert figures.by_kind[stats.SIGNED_IN] == {"natural": 2, "legal": 0, "agency": 0, "simple": 0}
    assert figures.total(stats.SUPPLEMENTED) == 1 and figures.total(stats.LINKED) == 2
    imported = figures.by_day[stats.IMPORTED]
    assert imported[day[0]] == {"natural": 2, "legal": 0, "agency": 1, "simple": 0}
    assert imported[day[1]]["legal"] == 1 and figures.day_total(stats.IMPORTED, day[1]) == 1
    assert imported[day[2]]["simple"] == 1 and figures.day_total(stats.IMPORTED, day[2]) == 1
    assert [figures.day_total(stats.SIGNED_IN, d) for d in day] == [0, 1, 1]
    assert [figures.day_total(stats.LINKED, d) for d in day] == [0, 0, 2]
    assert figures.by_day[stats.LINKED][day[2]] == {
        "natural": 1,
        "legal": 0,
        "agency": 1,
        "simple": 0,
    }


def test_days_before_the_window_count_in_the_totals_only(app, clock):
    today = known_accounts(clock)
    figures = stats.figures(days=1)
    assert figures.total(stats.IMPORTED) == 5
    assert sum(figures.day_total(stats.IMPORTED, d) for d in figures.days) == 1
    assert today  # the window is today alone


def pending_appeal(created: float, status: str = "pending") -> None:
    proof = StoredFile(
        storage_name=f"f{created}",
        original_name="p.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        created_at=at(created),
    )
    db.session.add(proof)
    db.session.flush()
    db.session.add(
        LegacyAppeal(
            case_number=f"A{int(created)}",
            account="L1",
            name="张三",
            content="找回账号",
            identity_proof_id=proof.id,
            status=status,
            created_at=at(created),
        )
    )
    db.session.commit()


def test_pending_appeals_count_and_oldest_age(app, clock):
    assert stats.figures().appeals == stats.Queue(0, None)
    now = services().clock.now()
    pending_appeal(now - 3 * DAY)
    pending_appeal(now - DAY)
    pending_appeal(now - 9 * DAY, status="approved")
    queue = stats.figures().appeals
    assert queue.count == 2 and queue.oldest_age == 3 * DAY
    assert stats.figures().reviews == stats.Queue(0, None)
