"""safe to deploy: the enrolling second factor kept server-side, a version on each referral,
one-time form submissions, retired course runs

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def directory_triggers_again():
    """SQLite's batch_alter_table rebuilt course_run without the triggers that raise the
    directory version (0008): make them again, or a change to a run never reaches the pages."""
    if op.get_bind().dialect.name != "sqlite":
        return
    for operation in ("INSERT", "UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER IF NOT EXISTS course_run_directory_version_{operation.lower()} "
            f"AFTER {operation} ON course_run "
            "BEGIN UPDATE directory_version SET version = version + 1; END"
        )


def upgrade():
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_pending_secret', sa.String(length=64), nullable=True))
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        # Every creating form now has its key in form_submission.
        batch_op.drop_constraint('uq_referral_submission_key', type_='unique')
        batch_op.drop_column('submission_key')
    with op.batch_alter_table('course_run', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('retired', sa.Boolean(), nullable=False, server_default=sa.false())
        )
    directory_triggers_again()
    op.create_table(
        'form_submission',
        sa.Column('key', sa.String(length=64), primary_key=True),
        sa.Column('made_at', sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column('target', sa.String(length=300), nullable=True),
    )


def downgrade():
    op.drop_table('form_submission')
    with op.batch_alter_table('course_run', schema=None) as batch_op:
        batch_op.drop_column('retired')
    directory_triggers_again()
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_column('version')
        batch_op.add_column(sa.Column('submission_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_referral_submission_key', ['submission_key'])
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_column('totp_pending_secret')

