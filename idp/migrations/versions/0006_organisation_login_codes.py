"""organisations: org_code_bidx and account_no, the other login identifiers (login table, D2, S5)

- ``org_code_bidx``: blind index (purpose "org-code") of the 9-character organisation code
  (USCC characters 9–17), with which a legal person may also log in at the legal entry. Indexed,
  not unique: the USCC is unique, and an organisation code shared by two accounts finds nothing.
  Existing rows are backfilled here by decrypting ``uscc_enc``; that needs the application's
  keys, so it runs when the migration runs inside the app (``idp db upgrade``, Flask-Migrate:
  see env.py), and is skipped for offline SQL generation.
- ``account_no``: the login number generated for a foreign entity without a USCC (S5), unique.

Revision ID: 0006
Revises: 0005
"""

import logging

import sqlalchemy as sa
from alembic import context, op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

logger = logging.getLogger("alembic.runtime.migration")
ORG_CODE_INDEX = "org-code"  # the purpose organisations use (idp.domain.organisations.accounts)


def upgrade():
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("org_code_bidx", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("account_no", sa.String(length=16), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_organisations_account_no"), ["account_no"], unique=True
        )
        batch_op.create_index(
            batch_op.f("ix_organisations_org_code_bidx"), ["org_code_bidx"], unique=False
        )
    if not context.is_offline_mode():
        backfill_org_codes(op.get_bind())


def backfill_org_codes(conn) -> int:
    """Set ``org_code_bidx`` of every row that has a USCC and no code index yet; the number set.

    Without an application context (no keys to decrypt with) nothing is done: those rows then
    log in by USCC only, until this function is called inside the app.
    """
    from flask import current_app, has_app_context

    svc = current_app.extensions.get("idp") if has_app_context() else None
    if svc is None:
        return 0
    orgs = sa.table(
        "organisations",
        sa.column("id", sa.Integer),
        sa.column("uscc_enc", sa.Text),
        sa.column("org_code_bidx", sa.String),
    )
    rows = conn.execute(
        sa.select(orgs.c.id, orgs.c.uscc_enc).where(
            orgs.c.uscc_enc.isnot(None), orgs.c.org_code_bidx.is_(None)
        )
    ).all()
    done = 0
    for row_id, uscc_enc in rows:
        try:
            uscc = svc.cipher.decrypt(uscc_enc, "uscc")
        except Exception:  # a row the keys cannot read still logs in by USCC: not a failure
            logger.warning(
                "organisation %s: USCC not readable, organisation code not indexed", row_id
            )
            continue
        if len(uscc) != 18:
            continue
        conn.execute(
            orgs.update()
            .where(orgs.c.id == row_id)
            .values(org_code_bidx=svc.blind_index(uscc[8:17], ORG_CODE_INDEX))
        )
        done += 1
    return done


def downgrade():
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisations_org_code_bidx"))
        batch_op.drop_index(batch_op.f("ix_organisations_account_no"))
        batch_op.drop_column("account_no")
        batch_op.drop_column("org_code_bidx")
