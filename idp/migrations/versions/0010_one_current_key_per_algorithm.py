"""at most one current and one next signing key per algorithm, enforced by the database (issue 11)

Two instances starting at once on a fresh database could each create a current key. Partial
unique indexes on ``signing_keys(alg)`` for ``state = 'current'`` and for ``state = 'next'``
now refuse the second; ``protocol.keys.ensure_keys`` takes a lock and re-reads. Duplicates left
by the race before are resolved first: per algorithm the newest current (and next) stays, the
others retire (still published until their tokens have expired: a day).

Revision ID: 0010
Revises: 0009
"""

import time

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

KEEP_RETIRED = 86400


def upgrade():
    conn = op.get_bind()
    now = int(time.time())
    for state in ("current", "next"):
        rows = conn.execute(
            sa.text("SELECT id, alg FROM signing_keys WHERE state = :s ORDER BY alg, id DESC"),
            {"s": state},
        ).all()
        seen = set()
        for key_id, alg in rows:
            if alg in seen:
                conn.execute(
                    sa.text(
                        "UPDATE signing_keys SET state = 'retired', retired_at = :now, "
                        "remove_at = :gone WHERE id = :id"
                    ),
                    {"now": now, "gone": now + KEEP_RETIRED, "id": key_id},
                )
            seen.add(alg)
    for state in ("current", "next"):
        op.create_index(
            f"uq_signing_keys_one_{state}",
            "signing_keys",
            ["alg"],
            unique=True,
            postgresql_where=sa.text(f"state = '{state}'"),
            sqlite_where=sa.text(f"state = '{state}'"),
        )


def downgrade():
    for state in ("current", "next"):
        op.drop_index(f"uq_signing_keys_one_{state}", table_name="signing_keys")
