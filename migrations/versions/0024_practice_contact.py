"""practice contact: each practice's phone number and opening hours for the contact block of
its letters; large print on request (the register entry) and on each letter (the message)

Revision ID: 0024
Revises: 0023
"""
from alembic import op
import sqlalchemy as sa

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('practice', sa.Column('phone', sa.String(length=30), nullable=True))
    op.add_column('practice', sa.Column('opening_hours', sa.String(length=100), nullable=True))
    op.add_column(
        'register_entry',
        sa.Column('large_print', sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column(
        'outbound_message',
        sa.Column('large_print', sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade():
    with op.batch_alter_table('outbound_message') as batch_op:
        batch_op.drop_column('large_print')
    with op.batch_alter_table('register_entry') as batch_op:
        batch_op.drop_column('large_print')
    with op.batch_alter_table('practice') as batch_op:
        batch_op.drop_column('opening_hours')
        batch_op.drop_column('phone')
