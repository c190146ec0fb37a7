"""mobiles and e-mail addresses encrypted at rest, found by blind index (D5, D3)

``users.phone``/``email``, ``legacy_accounts.phone``/``email``, ``legacy_appeals.phone``/``email``
and ``organisations.contact_phone`` become ``<column>_enc`` (AES-GCM under the field keys) and
``<column>_bidx`` (keyed blind index of the normalised value, idp.domain.identity.contacts). The partial
unique index of active mobiles ``uq_users_active_phone`` moves to ``users.phone_bidx``.

Existing rows are encrypted here, with the application's keys: the migration must run inside
the app (``idp db upgrade``, Flask-Migrate: see env.py). Unlike 0006 it cannot be skipped — the
plain columns are dropped — so offline SQL generation and a run without the app's keys stop
with an error before anything is changed, whenever there is a row to encrypt.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import context, op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# table -> [(plain column, kind)]; kind is idp.domain.identity.contacts' "phone" or "email"
SEALED = {
    "users": [("phone", "phone"), ("email", "email")],
    "legacy_accounts": [("phone", "phone"), ("email", "email")],
    "legacy_appeals": [("phone", "phone"), ("email", "email")],
    "organisations": [("contact_phone", "phone")],
}
ACTIVE = "status = 'active'"


def _contacts():
    """idp.domain.identity.contacts, or an error when the app's keys are not at hand."""
    from flask import current_app, has_app_context

    if (
        context.is_offline_mode()
        or not has_app_context()
        or current_app.extensions.get("idp") is None
    ):
        raise RuntimeError(
            "0008 encrypts mobiles and e-mail addresses with the application's "
            "keys: run it with `idp db upgrade`"
        )
    from idp.domain.identity import contacts

    return contacts


def _table(name, columns):
    return sa.table(name, sa.column("id", sa.Integer), *(sa.column(c, sa.Text) for c in columns))


def upgrade():
    for name, pairs in SEALED.items():
        with op.batch_alter_table(name, schema=None) as batch_op:
            for column, _ in pairs:
                batch_op.add_column(sa.Column(f"{column}_enc", sa.Text(), nullable=True))
                batch_op.add_column(
                    sa.Column(f"{column}_bidx", sa.String(length=64), nullable=True)
                )
    if not context.is_offline_mode():
        seal_existing(op.get_bind())
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_users_active_phone", postgresql_where=sa.text(ACTIVE), sqlite_where=sa.text(ACTIVE)
        )
        batch_op.create_index(
            "uq_users_active_phone",
            ["phone_bidx"],
            unique=True,
            postgresql_where=sa.text(ACTIVE),
            sqlite_where=sa.text(ACTIVE),
        )
    with op.batch_alter_table("legacy_appeals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_legacy_appeals_phone"))
    for name, pairs in SEALED.items():
        with op.batch_alter_table(name, schema=None) as batch_op:
            for column, _ in pairs:
                if not (name == "users" and column == "phone"):
                    batch_op.create_index(
                        batch_op.f(f"ix_{name}_{column}_bidx"), [f"{column}_bidx"], unique=False
                    )
                batch_op.drop_column(column)


def seal_existing(conn) -> int:
    """Encrypt and index every plain mobile and e-mail; the number of values sealed."""
    done, contacts = 0, None
    for name, pairs in SEALED.items():
        columns = [c for column, _ in pairs for c in (column, f"{column}_enc", f"{column}_bidx")]
        table = _table(name, columns)
        plain = [table.c[column] for column, _ in pairs]
        rows = conn.execute(
            sa.select(table.c.id, *plain).where(sa.or_(*(c.isnot(None) for c in plain)))
        ).all()
        for row_id, *values in rows:
            contacts = contacts or _contacts()
            update = {}
            for (column, kind), value in zip(pairs, values):
                update.update(contacts.sealed_values(column, kind, value))
                done += value is not None
            conn.execute(table.update().where(table.c.id == row_id).values(update))
    return done


def downgrade():
    for name, pairs in SEALED.items():
        with op.batch_alter_table(name, schema=None) as batch_op:
            for column, _ in pairs:
                length = 254 if column == "email" else 20
                batch_op.add_column(sa.Column(column, sa.String(length=length), nullable=True))
    if not context.is_offline_mode():
        _unseal_existing(op.get_bind())
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_users_active_phone", postgresql_where=sa.text(ACTIVE), sqlite_where=sa.text(ACTIVE)
        )
        batch_op.create_index(
            "uq_users_active_phone",
            ["phone"],
            unique=True,
            postgresql_where=sa.text(ACTIVE),
            sqlite_where=sa.text(ACTIVE),
        )
    for name, pairs in SEALED.items():
        with op.batch_alter_table(name, schema=None) as batch_op:
            for column, _ in pairs:
                if not (name == "users" and column == "phone"):
                    batch_op.drop_index(batch_op.f(f"ix_{name}_{column}_bidx"))
                batch_op.drop_column(f"{column}_bidx")
                batch_op.drop_column(f"{column}_enc")
    with op.batch_alter_table("legacy_appeals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_legacy_appeals_phone"), ["phone"], unique=False)


def _unseal_existing(conn) -> None:
    contacts = None
    for name, pairs in SEALED.items():
        columns = [c for column, _ in pairs for c in (column, f"{column}_enc")]
        table = _table(name, columns)
        sealed = [table.c[f"{column}_enc"] for column, _ in pairs]
        rows = conn.execute(
            sa.select(table.c.id, *sealed).where(sa.or_(*(c.isnot(None) for c in sealed)))
        ).all()
        for row_id, *values in rows:
            contacts = contacts or _contacts()
            conn.execute(
                table.update()
                .where(table.c.id == row_id)
                .values(
                    {
                        column: contacts.unseal(kind, value)
                        for (column, kind), value in zip(pairs, values)
                    }
                )
            )
