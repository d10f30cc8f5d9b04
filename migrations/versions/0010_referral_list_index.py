"""an index for a practice's referral list, newest first

Revision ID: 0010
Revises: 0009
"""
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_referral_practice_id_created_at', 'referral', ['practice_id', 'created_at']
    )


def downgrade():
    op.drop_index('ix_referral_practice_id_created_at', table_name='referral')
