"""a referral record staff can live with: name search terms, indexes to find a person within a
practice, access needs, a "next action on" date on a referral, the changes (old -> new) an event made

Revision ID: 0017
Revises: 0013
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0013"
branch_labels = None
depends_on = None

TERM_LENGTH = 100


def name_terms(name):
    """A copy of finder/referrals/search.py::name_terms as it was when this ran (a migration
    never imports app code): each word of a name, accents and case taken away."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = "".join(c if c.isalnum() else " " for c in plain).split()
    return sorted({w[:TERM_LENGTH] for w in words})


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    # Byte order on PostgreSQL (as SQLite's BINARY): a prefix search is a range on the index.
    term_type = sa.String(length=TERM_LENGTH, collation="C") if postgres else sa.String(TERM_LENGTH)
    op.create_table(
        "patient_search_term",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "patient_id",
            sa.Integer(),
            sa.ForeignKey("patient.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("practice_id", sa.Integer(), sa.ForeignKey("practice.id"), nullable=False),
        sa.Column("term", term_type, nullable=False),
    )
    op.create_index(
        "ix_patient_search_term_practice_term", "patient_search_term", ["practice_id", "term"]
    )
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.add_column(sa.Column("access_needs", sa.Text(), nullable=True))
    op.create_index("ix_patient_practice_dob", "patient", ["practice_id", "date_of_birth"])
    op.create_index("ix_patient_practice_nhs_number", "patient", ["practice_id", "nhs_number"])
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_action_on", sa.Date(), nullable=True))
    with op.batch_alter_table("referral_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("changes", sa.JSON(), nullable=True))
    # The people already on record.
    bind = op.get_bind()
    terms = sa.table(
        "patient_search_term",
        sa.column("patient_id", sa.Integer()),
        sa.column("practice_id", sa.Integer()),
        sa.column("term", sa.String()),
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.text(
                "SELECT id, practice_id, name FROM patient WHERE id > :last ORDER BY id LIMIT 5000"
            ),
            {"last": last},
        ).all()
        if not rows:
            break
        values = [
            {"patient_id": i, "practice_id": p, "term": t}
            for i, p, name in rows
            for t in name_terms(name)
        ]
        if values:
            bind.execute(terms.insert(), values)
        last = rows[-1][0]


def downgrade():
    with op.batch_alter_table('referral_event', schema=None) as batch_op:
        batch_op.drop_column('changes')
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_column("next_action_on")
    op.drop_index("ix_patient_practice_nhs_number", "patient")
    op.drop_index("ix_patient_practice_dob", "patient")
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.drop_column("access_needs")
    op.drop_table("patient_search_term")
