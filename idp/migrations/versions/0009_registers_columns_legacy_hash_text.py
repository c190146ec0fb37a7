"""registers keep their own columns; legacy password hashes of any declared scheme (Y1, Y2, L1)

- ``agency_filings.filing_no`` (备案号) and ``legacy_account_key`` (the agency's account id in
  the legacy online application system, spelled as ``legacy.account_key`` does; indexed): the
  legacy import can take an agency's filed USCC from the register by its legacy account id.
- ``practitioners.practitioner_no`` (从业人员编号) and ``filed_on``.
- ``legacy_accounts.password_hash`` becomes TEXT: a declared scheme's stored form carries its
  parameters and salt, which may be longer than 255 characters.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("agency_filings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("filing_no", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("legacy_account_key", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_agency_filings_legacy_account_key", ["legacy_account_key"])
    with op.batch_alter_table("practitioners", schema=None) as batch_op:
        batch_op.add_column(sa.Column("practitioner_no", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("filed_on", sa.Date(), nullable=True))
    with op.batch_alter_table("legacy_accounts", schema=None) as batch_op:
        batch_op.alter_column(
            "password_hash",
            existing_type=sa.String(length=255),
            type_=sa.Text(),
            existing_nullable=False,
        )


def downgrade():
    with op.batch_alter_table("legacy_accounts", schema=None) as batch_op:
        batch_op.alter_column(
            "password_hash",
            existing_type=sa.Text(),
            type_=sa.String(length=255),
            existing_nullable=False,
        )
    with op.batch_alter_table("practitioners", schema=None) as batch_op:
        batch_op.drop_column("filed_on")
        batch_op.drop_column("practitioner_no")
    with op.batch_alter_table("agency_filings", schema=None) as batch_op:
        batch_op.drop_index("ix_agency_filings_legacy_account_key")
        batch_op.drop_column("legacy_account_key")
        batch_op.drop_column("filing_no")
