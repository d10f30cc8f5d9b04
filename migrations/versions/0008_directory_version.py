"""directory version: a number that triggers raise on every change to a directory table

Revision ID: 0008
Revises: 0007

Public pages are kept rendered in each worker until this number changes. The triggers live in
the database so that every way of writing (the app, `flask seed`, an import, psql) counts.
On SQLite, `batch_alter_table` rebuilds a table without its triggers: a later migration that
alters a directory table must create them again (tests/public/test_page_cache.py checks).
"""
from alembic import op
import sqlalchemy as sa

# Frozen here: a migration never imports live app code (finder.models.DIRECTORY_TABLES may grow;
# a later migration adds triggers for a new table itself).
DIRECTORY_TABLES = (
    "area",
    "provider",
    "programme",
    "programme_area",
    "programme_text",
    "venue",
    "course_run",
    "practice",
    "feedback",
)

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

BUMP = "UPDATE directory_version SET version = version + 1"
OPERATIONS = ("INSERT", "UPDATE", "DELETE")


def upgrade():
    op.create_table(
        'directory_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.execute("INSERT INTO directory_version (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION bump_directory_version() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {BUMP}; RETURN NULL; END $$"
        )
        for table in DIRECTORY_TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_directory_version AFTER INSERT OR UPDATE OR DELETE "
                f"OR TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION bump_directory_version()"
            )
        return
    for table in DIRECTORY_TABLES:
        for operation in OPERATIONS:
            op.execute(
                f"CREATE TRIGGER {table}_directory_version_{operation.lower()} "
                f"AFTER {operation} ON {table} BEGIN {BUMP}; END"
            )


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in DIRECTORY_TABLES:
        if postgresql:
            op.execute(f"DROP TRIGGER {table}_directory_version ON {table}")
        else:
            for operation in OPERATIONS:
                op.execute(f"DROP TRIGGER {table}_directory_version_{operation.lower()}")
    if postgresql:
        op.execute("DROP FUNCTION bump_directory_version()")
    op.drop_table('directory_version')
