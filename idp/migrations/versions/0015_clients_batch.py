"""clients_batch: the rollout batch of a subsystem (R1)

The office switches subsystems on batch by batch; ``clients.batch`` names the batch a
subsystem belongs to (free short text, e.g. "第一批"), shown in the admin area's list.
Nullable: clients registered before have none.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("clients") as batch:
        batch.add_column(sa.Column("batch", sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("batch")
