"""provider side: provider staff accounts, the provider's answers on each referral, and links
that open one referral for a provider without an account

Revision ID: 0018
Revises: 0017
"""
from alembic import op
import sqlalchemy as sa

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    # staff_user and referral carry no triggers: SQLite's batch rebuild loses nothing.
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            'fk_staff_user_provider_id', 'provider', ['provider_id'], ['id']
        )
        batch_op.create_index('ix_staff_user_provider_id', ['provider_id'])
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True))
        # The provider's first answer (accepted, declined or booked): responsiveness figures.
        batch_op.add_column(
            sa.Column('provider_answered_at', sa.DateTime(timezone=True), nullable=True)
        )
    op.create_table(
        'provider_link',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('referral_id', sa.Integer(), sa.ForeignKey('referral.id'), nullable=False,
                  index=True),
        # SHA-256 of the token: the token itself is kept nowhere.
        sa.Column('token_hash', sa.String(length=64), nullable=False, unique=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), sa.ForeignKey('staff_user.id'), nullable=True),
        sa.Column('first_opened_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_opened_at', sa.DateTime(timezone=True), nullable=True),
    )


def downgrade():
    op.drop_table('provider_link')
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_column('provider_answered_at')
        batch_op.drop_column('accepted_at')
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_user_provider_id')
        batch_op.drop_constraint('fk_staff_user_provider_id', type_='foreignkey')
        batch_op.drop_column('provider_id')
