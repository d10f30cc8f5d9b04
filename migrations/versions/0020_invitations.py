"""invitations: the messages a practice sends to people on its register, each with a personal
link (only its hash is kept), and what came of them (opened, self-referral made)

Revision ID: 0020
Revises: 0018
"""
from alembic import op
import sqlalchemy as sa

revision = '0020'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'invitation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('register_entry_id', sa.Integer(), nullable=False),
        sa.Column('practice_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=True),
        sa.Column('sent_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('referral_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['register_entry_id'], ['register_entry.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['practice_id'], ['practice.id']),
        sa.ForeignKeyConstraint(['message_id'], ['outbound_message.id']),
        sa.ForeignKeyConstraint(['sent_by_id'], ['staff_user.id']),
        sa.ForeignKeyConstraint(['referral_id'], ['referral.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('register_entry_id', 'number', name='uq_invitation_entry_number'),
        sa.UniqueConstraint('token_hash', name='uq_invitation_token_hash'),
    )
    op.create_index('ix_invitation_number_created_at', 'invitation', ['number', 'created_at'])


def downgrade():
    op.drop_index('ix_invitation_number_created_at', table_name='invitation')
    op.drop_table('invitation')
