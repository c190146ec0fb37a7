"""legacy_accounts: the migration dashboard's indexes cover its queries

Measured on a million legacy accounts (``scripts/bench_dashboard.py``), the dashboard took
2.2 s: its counts by user type read every row of the table, because the indexes of 0016 named
the timestamp but not the kind. Each index now holds both, timestamp first — partial ``(col,
kind) WHERE col IS NOT NULL`` for first login, supplementation and link, and ``(imported_at,
kind)`` for the import — so every count is an index-only scan: by kind over the whole index, by
day over the window's range.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

PARTIAL = ("first_login_at", "supplemented_at", "linked_at")


def _partial(column: str, with_kind: bool) -> None:
    where = sa.text(f"{column} IS NOT NULL")
    op.create_index(
        f"ix_legacy_accounts_{column}_kind" if with_kind else f"ix_legacy_accounts_{column}",
        "legacy_accounts",
        [column, "kind"] if with_kind else [column],
        postgresql_where=where,
        sqlite_where=where,
    )


def upgrade():
    op.drop_index("ix_legacy_accounts_kind_imported_at", table_name="legacy_accounts")
    op.create_index(
        "ix_legacy_accounts_imported_at_kind", "legacy_accounts", ["imported_at", "kind"]
    )
    for column in PARTIAL:
        op.drop_index(f"ix_legacy_accounts_{column}", table_name="legacy_accounts")
        _partial(column, with_kind=True)


def downgrade():
    for column in PARTIAL:
        op.drop_index(f"ix_legacy_accounts_{column}_kind", table_name="legacy_accounts")
        _partial(column, with_kind=False)
    op.drop_index("ix_legacy_accounts_imported_at_kind", table_name="legacy_accounts")
    op.create_index(
        "ix_legacy_accounts_kind_imported_at", "legacy_accounts", ["kind", "imported_at"]
    )
