"""Each test on the session app runs in a transaction rolled back after it (tests/conftest.py's
``one_transaction``). The first test writes and commits as the app does; the second, run after
it in the same worker (pytest keeps a file's order; --dist loadfile keeps a file on one worker),
finds the seeded database again."""

from __future__ import annotations

from sqlalchemy import create_engine, func, select

from finder.database import writes
from finder.extensions import db
from finder.models import Programme, Referral

PROGRAMME = "/en/programmes/desmond"


def referrals() -> int:
    return db.session.scalar(select(func.count()).select_from(Referral)) or 0


def test_a_test_sees_its_own_commits_and_no_other_connection_does(app, client, make_referral):
    reference = make_referral()
    with app.app_context():
        assert referrals() == 1
        with writes():
            desmond = db.session.scalar(select(Programme).filter_by(slug="desmond"))
            assert desmond is not None
            next(t for t in desmond.texts if t.locale == "en").name = "Renamed by a test"
    assert "Renamed by a test" in client.get(PROGRAMME).get_data(as_text=True)
    # Committed as far as the app knows; not for another connection.
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with other.connect() as conn:
            seen = conn.scalar(
                select(func.count()).select_from(Referral).where(Referral.reference == reference)
            )
        assert seen == 0
    finally:
        other.dispose()


def test_the_next_test_starts_from_the_seeded_database(app, client):
    with app.app_context():
        assert referrals() == 0
    assert "Renamed by a test" not in client.get(PROGRAMME).get_data(as_text=True)
