"""key_checks: check values that prove the key material at start (issue 11)

A canary encrypted under the field key (``encryption_keys``) and keyed digests of a fixed text
under ``secrets.blind_index_key`` and ``secrets.client_secret_pepper``. The table starts empty:
the first start after this migration writes the values under the keys it runs with
(``idp.domain.keycheck``), and every later start refuses keys that do not match them.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "key_checks",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade():
    op.drop_table("key_checks")
