"""The migration dashboard's queries on a big legacy table (issue 12; docs/legacy.md, "Speed
and memory"): called by ``scripts/legacy_bench.py`` on the database it has just imported (a
million accounts by default), or on its own with ``--database-url`` of such a database.

It first gives the imported accounts the life a migration gives them — a share of them signed
in, supplemented and linked on days spread over the last 60 days (one set-based UPDATE each,
then VACUUM ANALYZE as autovacuum would) — so that the partial indexes hold what they hold in
production. Then it times
``migration_stats.figures()`` (everything ``/admin/migration`` reads) a few times in one
application context and prints the median and the slowest, and the plan of each query shape
(``EXPLAIN``) so that a sequential scan of the table shows. Reads only, after the UPDATE.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

SHARES = {"first_login_at": 40, "supplemented_at": 25, "linked_at": 25}  # percent of accounts


def give_life(conn) -> None:
    """Spread first logins, supplementations and links over the last 60 days, deterministically
    by row id (``id % 100`` below the share), as a migration's first two months look."""
    from sqlalchemy import text

    for column, share in SHARES.items():
        conn.execute(
            text(
                f"UPDATE legacy_accounts SET {column} = now() - (id % 60) * interval '1 day'"
                f" - (id % 86400) * interval '1 second' WHERE id % 100 < :share"
            ),
            {"share": share},
        )


def plans(session) -> list[str]:
    """The plan's top lines of each query shape ``figures()`` runs."""
    import datetime as dt

    from sqlalchemy import func, select, text

    from idp.domain.legacy import migration_stats as stats
    from idp.domain.models import LegacyAccount

    lines = []
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=stats.DAYS)
    for metric, column in stats.COLUMNS.items():
        by_kind = select(LegacyAccount.kind, func.count()).group_by(LegacyAccount.kind)
        if metric != stats.IMPORTED:
            by_kind = by_kind.where(column.is_not(None))
        day = stats.beijing_day(column).label("day")
        by_day = (
            select(day, LegacyAccount.kind, func.count())
            .where(column.is_not(None), column >= since)
            .group_by(day, LegacyAccount.kind)
        )
        for label, statement in (("by kind", by_kind), ("by day", by_day)):
            sql = statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
            plan = [r[0] for r in session.execute(text(f"EXPLAIN {sql}"))]
            scans = [p.strip() for p in plan if "Scan" in p]
            lines.append(f"  {metric:12} {label:7}: {' | '.join(scans)[:150]}")
    return lines


def measure(url: str, runs: int) -> None:
    os.environ.setdefault("IDP_ENV", "development")
    os.environ["IDP_DATABASE_URL"] = url
    from sqlalchemy import create_engine, text

    from idp import create_app
    from idp.domain.legacy import migration_stats
    from idp.extensions import db

    raw = create_engine(url)  # the app's engine has a statement timeout made for requests
    started = time.perf_counter()
    with raw.begin() as conn:
        give_life(conn)
    with raw.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE legacy_accounts"))  # the visibility map: index-only
    prepared = time.perf_counter() - started
    raw.dispose()
    app = create_app()
    with app.app_context():
        accounts = db.session.execute(text("SELECT count(*) FROM legacy_accounts")).scalar()
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            figures = migration_stats.figures()
            timings.append(time.perf_counter() - started)
            db.session.rollback()
        print(
            f"dashboard : {accounts:,} legacy accounts (life given in {prepared:.0f} s); "
            f"figures() median {statistics.median(timings) * 1000:.0f} ms, slowest "
            f"{max(timings) * 1000:.0f} ms over {runs} runs; imported "
            f"{figures.total(migration_stats.IMPORTED):,}, signed in "
            f"{figures.total(migration_stats.SIGNED_IN):,}, linked "
            f"{figures.total(migration_stats.LINKED):,}",
            flush=True,
        )
        for line in plans(db.session):
            print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    measure(args.database_url, args.runs)


if __name__ == "__main__":
    main()
