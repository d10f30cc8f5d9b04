"""the directory is the source of truth: a programme's state (open, paused until a date,
retired) and referral contact, translations that need updating after the English changed, a
venue's parking, and when a course run was cancelled

Revision ID: 0013
Revises: 0016
"""
from alembic import op
import sqlalchemy as sa

revision = '0013'
down_revision = '0016'
branch_labels = None
depends_on = None

# Columns are added and dropped in place (SQLite 3.35+ drops a column without rebuilding the
# table), so the directory-version triggers of 0008 stay as they are.
COLUMNS = {
    'programme': [
        sa.Column('state', sa.String(length=10), nullable=False, server_default='open'),
        sa.Column('paused_until', sa.Date(), nullable=True),
        sa.Column('referral_contact', sa.String(length=300), nullable=True),
    ],
    'programme_text': [
        sa.Column('needs_update', sa.Boolean(), nullable=False, server_default=sa.false()),
    ],
    'venue': [sa.Column('parking', sa.Boolean(), nullable=True)],
    'course_run': [sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True)],
}


def upgrade():
    for table, columns in COLUMNS.items():
        for column in columns:
            op.add_column(table, column)


def downgrade():
    for table, columns in COLUMNS.items():
        for column in columns:
            op.drop_column(table, column.name)
