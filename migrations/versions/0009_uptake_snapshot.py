"""uptake snapshot: the dashboard's figures per scope, shared by every worker

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'uptake_snapshot',
        sa.Column('scope', sa.String(length=20), nullable=False),
        sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('refreshing_since', sa.DateTime(timezone=True), nullable=True),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('scope'),
    )


def downgrade():
    op.drop_table('uptake_snapshot')
