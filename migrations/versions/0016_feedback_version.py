"""directory version: a feedback raises it only when patients can see the change (approved)

Revision ID: 0016
Revises: 0012

Migration 0008 raised the directory version on every change to the feedback table, so a
feedback waiting for moderation made every worker read the whole directory again and forget
its kept pages (about a second at national size) for nothing patients can see. Now only a
change that involves an approved feedback (one approved, changed or removed) raises it.
"""
from alembic import op

revision = '0016'
down_revision = '0012'
branch_labels = None
depends_on = None

BUMP = "UPDATE directory_version SET version = version + 1"
# Each operation, and when it changes what patients see.
SHOWN = {
    "INSERT": "NEW.status = 'approved'",
    "UPDATE": "OLD.status = 'approved' OR NEW.status = 'approved'",
    "DELETE": "OLD.status = 'approved'",
}


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER feedback_directory_version ON feedback")
        for operation, when in SHOWN.items():
            op.execute(
                f"CREATE TRIGGER feedback_directory_version_{operation.lower()} AFTER {operation} "
                f"ON feedback FOR EACH ROW WHEN ({when}) EXECUTE FUNCTION bump_directory_version()"
            )
        op.execute(
            "CREATE TRIGGER feedback_directory_version_truncate AFTER TRUNCATE ON feedback "
            "FOR EACH STATEMENT EXECUTE FUNCTION bump_directory_version()"
        )
        return
    for operation, when in SHOWN.items():
        op.execute(f"DROP TRIGGER feedback_directory_version_{operation.lower()}")
        op.execute(
            f"CREATE TRIGGER feedback_directory_version_{operation.lower()} "
            f"AFTER {operation} ON feedback WHEN {when} BEGIN {BUMP}; END"
        )


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for operation in (*SHOWN, *(("TRUNCATE",) if postgresql else ())):
        op.execute(
            f"DROP TRIGGER feedback_directory_version_{operation.lower()}"
            + (" ON feedback" if postgresql else "")
        )
    if postgresql:
        op.execute(
            "CREATE TRIGGER feedback_directory_version AFTER INSERT OR UPDATE OR DELETE "
            "OR TRUNCATE ON feedback FOR EACH STATEMENT EXECUTE FUNCTION bump_directory_version()"
        )
        return
    for operation in SHOWN:
        op.execute(
            f"CREATE TRIGGER feedback_directory_version_{operation.lower()} "
            f"AFTER {operation} ON feedback BEGIN {BUMP}; END"
        )
