"""directory uuids: a stable UUID for every area, provider, programme, venue and course run,
the ids of the Open Referral UK documents (HSDS 3 requires UUIDs)

Existing rows get a UUID derived from their slug (or run key), so every database that ran this
migration on the same directory publishes the same ids; new rows get a random one when made.

Revision ID: 0014
Revises: 0015
"""
import uuid

from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0015'
branch_labels = None
depends_on = None

# Frozen here (a migration never imports app code).
NAMESPACE = uuid.UUID("0f4b8a52-3c1e-4b8e-9a57-5d1e2f6c7a10")
TABLES = {"area": "slug", "provider": "slug", "programme": "slug", "venue": "slug", "course_run": "key"}


def upgrade():
    # Added as a nullable column with a unique index: on SQLite, NOT NULL or a constraint would
    # mean rebuilding the table, and dropping a populated directory table fails its foreign
    # keys. Every existing row is filled here and every new row by the model's default.
    bind = op.get_bind()
    for table, natural in TABLES.items():
        op.add_column(table, sa.Column('uuid', sa.String(length=36), nullable=True))
        rows = bind.execute(sa.text(f"SELECT id, {natural} FROM {table}")).all()
        for row_id, name in rows:
            bind.execute(
                sa.text(f"UPDATE {table} SET uuid = :uuid WHERE id = :id"),
                {"uuid": str(uuid.uuid5(NAMESPACE, f"{table}:{name}")), "id": row_id},
            )
        op.create_index(f'ix_{table}_uuid', table, ['uuid'], unique=True)


def downgrade():
    for table in TABLES:
        op.drop_index(f'ix_{table}_uuid', table_name=table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('uuid')
        if op.get_bind().dialect.name == "sqlite":  # the rebuild dropped 0008's triggers
            for operation in ("INSERT", "UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_directory_version_{operation.lower()} "
                    f"AFTER {operation} ON {table} "
                    "BEGIN UPDATE directory_version SET version = version + 1; END"
                )
