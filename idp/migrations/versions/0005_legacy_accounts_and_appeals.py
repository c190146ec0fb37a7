"""legacy accounts (L1-L9) and manual appeals (L10)

``legacy_accounts.user_id`` is unique: one legacy account per user and one user per legacy
account (L3); ``account_key`` is unique so a re-run of the import updates instead of adding (L1).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "legacy_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("account_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("id_type", sa.String(length=40), nullable=True),
        sa.Column("id_number_enc", sa.Text(), nullable=True),
        sa.Column("id_number_bidx", sa.String(length=64), nullable=True),
        sa.Column("id_number_masked", sa.String(length=40), nullable=True),
        sa.Column("uscc_enc", sa.Text(), nullable=True),
        sa.Column("uscc_bidx", sa.String(length=64), nullable=True),
        sa.Column("uscc_masked", sa.String(length=40), nullable=True),
        sa.Column("filed_uscc_bidx", sa.String(length=64), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("address", sa.JSON(), nullable=True),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("designated", sa.Boolean(), nullable=True),
        sa.Column("row_digest", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_key"),
        sa.UniqueConstraint("user_id"),
    )
    with op.batch_alter_table("legacy_accounts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_legacy_accounts_filed_uscc_bidx"), ["filed_uscc_bidx"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_legacy_accounts_id_number_bidx"), ["id_number_bidx"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_legacy_accounts_uscc_bidx"), ["uscc_bidx"], unique=False
        )

    op.create_table(
        "legacy_appeals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_number", sa.String(length=32), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("legacy_account_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("identity_proof_id", sa.Integer(), nullable=False),
        sa.Column("other_proof_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["identity_proof_id"],
            ["stored_files.id"],
        ),
        sa.ForeignKeyConstraint(
            ["legacy_account_id"],
            ["legacy_accounts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["other_proof_id"],
            ["stored_files.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_number"),
    )
    with op.batch_alter_table("legacy_appeals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_legacy_appeals_legacy_account_id"), ["legacy_account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_legacy_appeals_phone"), ["phone"], unique=False)
        batch_op.create_index(batch_op.f("ix_legacy_appeals_status"), ["status"], unique=False)


def downgrade():
    with op.batch_alter_table("legacy_appeals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_legacy_appeals_status"))
        batch_op.drop_index(batch_op.f("ix_legacy_appeals_phone"))
        batch_op.drop_index(batch_op.f("ix_legacy_appeals_legacy_account_id"))

    op.drop_table("legacy_appeals")
    with op.batch_alter_table("legacy_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_legacy_accounts_uscc_bidx"))
        batch_op.drop_index(batch_op.f("ix_legacy_accounts_id_number_bidx"))
        batch_op.drop_index(batch_op.f("ix_legacy_accounts_filed_uscc_bidx"))

    op.drop_table("legacy_accounts")
