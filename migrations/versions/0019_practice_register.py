"""practice register: the practice's diabetes register, imported from its clinical system, so
DM014 counts everyone newly diagnosed (not only those already referred)

Revision ID: 0019
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa

revision = '0019'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'register_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('practice_id', sa.Integer(), nullable=False),
        sa.Column('nhs_number', sa.String(length=10), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('date_of_birth', sa.Date(), nullable=False),
        sa.Column('diagnosis_date', sa.Date(), nullable=False),
        sa.Column('preferred_language', sa.String(length=10), nullable=False),
        sa.Column('interpreter_needed', sa.Boolean(), nullable=False),
        sa.Column('mobile', sa.String(length=30), nullable=True),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('postal_address', sa.String(length=500), nullable=True),
        sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('exception', sa.String(length=20), nullable=True),
        sa.Column('exception_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['practice_id'], ['practice.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('practice_id', 'nhs_number', name='uq_register_entry_practice_nhs'),
    )
    op.create_index(
        'ix_register_entry_practice_diagnosis', 'register_entry', ['practice_id', 'diagnosis_date']
    )
    # "Not yet referred" looks up each entry's referrals by practice and NHS number: the index
    # ix_patient_practice_nhs_number (migration 0017) serves it.


def downgrade():
    op.drop_index('ix_register_entry_practice_diagnosis', table_name='register_entry')
    op.drop_table('register_entry')
