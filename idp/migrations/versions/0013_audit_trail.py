"""audit_trail: the append-only, hash-chained audit trail (issue 12, "Audit")

One row per security event (``idp.domain.trail``), inserted unsealed in the event's own
transaction and sealed later (``seq``, ``prev_hash``, ``hash``) by the sealer. On PostgreSQL a
trigger refuses what the application never does: any UPDATE of a sealed row, an UPDATE of an
unsealed row that changes more than its seal, the DELETE of an unsealed row, and the DELETE of
a row younger than 180 days (the floor of ``audit.keep_days``, 等保; measured with the
database's own clock, which the trigger can trust more than the application's). It is a guard
against mistakes and casual edits, not against the database's owner, who can drop it: the
hash chain (``idp audit verify``) is what detects that. SQLite has no trigger (development).

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

GUARD = """
CREATE FUNCTION audit_trail_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.seq IS NOT NULL
           OR (NEW.id, NEW.at, NEW.event, NEW.actor, NEW.subject_id, NEW.client_id, NEW.ip,
               NEW.result, NEW.detail)
              IS DISTINCT FROM
              (OLD.id, OLD.at, OLD.event, OLD.actor, OLD.subject_id, OLD.client_id, OLD.ip,
               OLD.result, OLD.detail) THEN
            RAISE EXCEPTION 'audit_trail is append-only: entry % may not change', OLD.id;
        END IF;
        RETURN NEW;
    END IF;
    IF OLD.seq IS NULL OR OLD.at > extract(epoch FROM now()) - 15552000 THEN
        RAISE EXCEPTION 'audit_trail: entry % is unsealed or younger than 180 days', OLD.id;
    END IF;
    RETURN OLD;
END
$$;
CREATE TRIGGER audit_trail_append_only BEFORE UPDATE OR DELETE ON audit_trail
    FOR EACH ROW EXECUTE FUNCTION audit_trail_guard();
"""


def upgrade():
    op.create_table(
        "audit_trail",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("at", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("client_id", sa.String(length=255), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("result", sa.String(length=8), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("seq"),
    )
    op.create_index("ix_audit_trail_subject_at", "audit_trail", ["subject_id", "at"])
    op.create_index("ix_audit_trail_event_at", "audit_trail", ["event", "at"])
    op.create_index("ix_audit_trail_at", "audit_trail", ["at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(GUARD)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_trail_append_only ON audit_trail")
        op.execute("DROP FUNCTION audit_trail_guard()")
    op.drop_index("ix_audit_trail_at", table_name="audit_trail")
    op.drop_index("ix_audit_trail_event_at", table_name="audit_trail")
    op.drop_index("ix_audit_trail_subject_at", table_name="audit_trail")
    op.drop_table("audit_trail")
