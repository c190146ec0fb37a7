"""organisations.verified_at/verified_by; review cases of set-aside accounts (R2, S4–S6, P7)

- ``organisations.verified_at``, ``verified_by`` ("register" | "review"): an organisation is
  verified (the R2 claim) only once the enterprise credit register matched it or the office
  approved its review. Existing rows: organisations created before the check were never
  checked, so they stay unverified (NULL) — except those whose review case was approved, which
  get ``verified_by = 'review'`` at the decision's time. An unverified organisation keeps
  signing in; its tokens say ``verified: false``, and a verified registration of its USCC sets
  it aside for review (docs/accounts.md, "Enterprise verification and squatted USCCs").
- ``review_cases.kind`` ("foreign" for every existing case, S5) and nullable file ids: a case
  of kind "squatted_uscc" has no PDFs.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("verified_by", sa.String(length=16), nullable=True))
    with op.batch_alter_table("review_cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=24), nullable=False, server_default="foreign")
        )
        batch_op.alter_column("identity_proof_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("qualification_id", existing_type=sa.Integer(), nullable=True)
    orgs = sa.table(
        "organisations",
        sa.column("id", sa.Integer),
        sa.column("verified_at", sa.DateTime(timezone=True)),
        sa.column("verified_by", sa.String),
    )
    cases = sa.table(
        "review_cases",
        sa.column("organisation_id", sa.Integer),
        sa.column("status", sa.String),
        sa.column("decided_at", sa.DateTime(timezone=True)),
    )
    approved = (
        sa.select(sa.func.max(cases.c.decided_at))
        .where(cases.c.organisation_id == orgs.c.id, cases.c.status == "approved")
        .scalar_subquery()
    )
    op.execute(
        orgs.update()
        .where(
            sa.exists().where(cases.c.organisation_id == orgs.c.id, cases.c.status == "approved")
        )
        .values(verified_by="review", verified_at=approved)
    )


def downgrade():
    op.execute("DELETE FROM review_cases WHERE kind <> 'foreign'")
    with op.batch_alter_table("review_cases", schema=None) as batch_op:
        batch_op.alter_column("qualification_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("identity_proof_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("kind")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("verified_by")
        batch_op.drop_column("verified_at")
