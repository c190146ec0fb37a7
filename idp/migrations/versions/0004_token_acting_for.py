"""tokens.acting_for_id: the organisation a handler's tokens act for (R2)

The column names the organisation's own account (``users.id``, like ``organisations.user_id``),
so the ``acting_for.sub`` claim is that account's ``sub``. NULL for every other token.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("acting_for_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_tokens_acting_for_id_users", "users", ["acting_for_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.drop_constraint("fk_tokens_acting_for_id_users", type_="foreignkey")
        batch_op.drop_column("acting_for_id")
