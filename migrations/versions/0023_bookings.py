"""bookings: a person's own links to their booking (only the token's hash is kept) and the
reminders of a booking, made with it and cancelled with any change to it

Revision ID: 0023
Revises: 0022
"""

from alembic import op
import sqlalchemy as sa

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'booking_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('referral_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['referral_id'], ['referral.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index('ix_booking_link_referral_id', 'booking_link', ['referral_id'])
    op.create_table(
        'reminder',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('referral_id', sa.Integer(), nullable=False),
        sa.Column('course_run_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('message_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['referral_id'], ['referral.id']),
        sa.ForeignKeyConstraint(['course_run_id'], ['course_run.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['message_id'], ['outbound_message.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_reminder_referral_id', 'reminder', ['referral_id'])
    op.create_index('ix_reminder_due_at', 'reminder', ['due_at'])


def downgrade():
    op.drop_index('ix_reminder_due_at', table_name='reminder')
    op.drop_index('ix_reminder_referral_id', table_name='reminder')
    op.drop_table('reminder')
    op.drop_index('ix_booking_link_referral_id', table_name='booking_link')
    op.drop_table('booking_link')
