"""whether a programme needs an email address to join (Healthy Living does:
shared/reference/programmes.md 1.1, "Target / eligibility")

Revision ID: 0022
Revises: 0021
"""

from alembic import op
import sqlalchemy as sa

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no batch rebuild), so SQLite keeps programme's directory triggers.
    op.add_column(
        "programme",
        sa.Column("needs_email", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    # `flask seed` never changes a programme already there: the seeded fact is set here too.
    op.execute("UPDATE programme SET needs_email = true WHERE slug = 'help-diabetes'")


def downgrade():
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.drop_column("needs_email")
    if op.get_bind().dialect.name != "sqlite":
        return
    # SQLite's batch rebuild dropped the triggers that raise the directory version (0008).
    for operation in ("INSERT", "UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER IF NOT EXISTS programme_directory_version_{operation.lower()} "
            f"AFTER {operation} ON programme "
            "BEGIN UPDATE directory_version SET version = version + 1; END"
        )
