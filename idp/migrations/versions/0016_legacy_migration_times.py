"""legacy_accounts: first_login_at and supplemented_at, for the migration dashboard

``first_login_at``: the first successful legacy login of the account; ``supplemented_at``: when
its supplementation completed and the link was made (a link of an existing account through
旧账号管理 leaves it empty). Both nullable. The dashboard counts them (and ``linked_at``) by day:
PARTIAL indexes (``WHERE col IS NOT NULL``), empty for the bulk import's new rows, so the
importer does not maintain them; ``(kind, imported_at)`` serves the imported counts by kind and
day.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

PARTIAL = ("first_login_at", "supplemented_at", "linked_at")


def upgrade():
    with op.batch_alter_table("legacy_accounts") as batch:
        batch.add_column(sa.Column("first_login_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("supplemented_at", sa.DateTime(timezone=True), nullable=True))
    for column in PARTIAL:
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(
            f"ix_legacy_accounts_{column}",
            "legacy_accounts",
            [column],
            postgresql_where=where,
            sqlite_where=where,
        )
    op.create_index(
        "ix_legacy_accounts_kind_imported_at", "legacy_accounts", ["kind", "imported_at"]
    )


def downgrade():
    op.drop_index("ix_legacy_accounts_kind_imported_at", table_name="legacy_accounts")
    for column in PARTIAL:
        op.drop_index(f"ix_legacy_accounts_{column}", table_name="legacy_accounts")
    with op.batch_alter_table("legacy_accounts") as batch:
        batch.drop_column("supplemented_at")
        batch.drop_column("first_login_at")
