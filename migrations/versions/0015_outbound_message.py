"""outbound messages: every message sent through GOV.UK Notify, with its state

Revision ID: 0015
Revises: 0019
"""
from alembic import op
import sqlalchemy as sa

revision = '0015'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'outbound_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('referral_id', sa.Integer(), nullable=True),
        sa.Column('practice_id', sa.Integer(), nullable=True),
        sa.Column('recipient', sa.String(length=20), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('to', sa.Text(), nullable=False),
        sa.Column('template', sa.String(length=60), nullable=False),
        sa.Column('language', sa.String(length=10), nullable=False),
        sa.Column('subject', sa.Text(), nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('notify_status', sa.String(length=40), nullable=True),
        sa.Column('notify_id', sa.String(length=40), nullable=True),
        sa.Column('error', sa.String(length=200), nullable=True),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('queued_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['practice_id'], ['practice.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key'),
    )
    op.create_index('ix_outbound_message_referral_id', 'outbound_message', ['referral_id'])
    op.create_index('ix_outbound_message_practice_id', 'outbound_message', ['practice_id'])
    op.create_index('ix_outbound_message_status', 'outbound_message', ['status'])
    op.create_index('ix_outbound_message_notify_id', 'outbound_message', ['notify_id'])
    op.create_index('ix_outbound_message_created_at', 'outbound_message', ['created_at'])


def downgrade():
    op.drop_table('outbound_message')
