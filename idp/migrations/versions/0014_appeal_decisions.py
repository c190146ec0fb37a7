"""appeal decisions: who decided a manual appeal (L10, P7) and how

``legacy_appeals`` gains the deciding administrator (``decided_by``), the ``outcome``
(rejected / linked / corrected), the citizen account a "linked" decision linked
(``linked_user_id``), ``overrode`` (the reviewer consciously overrode the S2 person match) and
``corrected`` (the names of the corrected fields, never their values).

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("legacy_appeals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decided_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("outcome", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("linked_user_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("overrode", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("corrected", sa.JSON(), nullable=True))
        batch_op.create_foreign_key(
            "fk_legacy_appeals_decided_by", "admin_accounts", ["decided_by"], ["id"]
        )
        batch_op.create_foreign_key(
            "fk_legacy_appeals_linked_user_id", "users", ["linked_user_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("legacy_appeals", schema=None) as batch_op:
        batch_op.drop_constraint("fk_legacy_appeals_linked_user_id", type_="foreignkey")
        batch_op.drop_constraint("fk_legacy_appeals_decided_by", type_="foreignkey")
        batch_op.drop_column("corrected")
        batch_op.drop_column("overrode")
        batch_op.drop_column("linked_user_id")
        batch_op.drop_column("outcome")
        batch_op.drop_column("decided_by")
