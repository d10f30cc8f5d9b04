"""how a course run meets (its sessions and day pattern), and which programmes have a version
for the newly diagnosed

Revision ID: 0012
Revises: 0014
"""

from alembic import op
import sqlalchemy as sa

revision = "0012"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no batch rebuild), so SQLite keeps course_run's directory triggers.
    op.add_column(
        "course_run", sa.Column("sessions", sa.Integer(), nullable=False, server_default="1")
    )
    op.add_column(
        "course_run",
        sa.Column("pattern", sa.String(length=20), nullable=False, server_default="weekly"),
    )
    op.add_column(
        "programme",
        sa.Column(
            "newly_diagnosed_module", sa.Boolean(), nullable=False, server_default=sa.false()
        ),
    )


def downgrade():
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.drop_column("newly_diagnosed_module")
    with op.batch_alter_table("course_run", schema=None) as batch_op:
        batch_op.drop_column("pattern")
        batch_op.drop_column("sessions")
    if op.get_bind().dialect.name != "sqlite":
        return
    # SQLite's batch rebuild dropped the triggers that raise the directory version (0008).
    for table in ("programme", "course_run"):
        for operation in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_directory_version_{operation.lower()} "
                f"AFTER {operation} ON {table} "
                "BEGIN UPDATE directory_version SET version = version + 1; END"
            )
