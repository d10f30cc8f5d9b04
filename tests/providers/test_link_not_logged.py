"""A provider's link and a person's personal link are bearer secrets: the production server's
access log never holds their tokens (gunicorn.conf.py), while other paths are logged as they
are."""

from __future__ import annotations

import secrets
import urllib.error
import urllib.request

import pytest

from finder.extensions import db
from tests.conftest import migrated_app
from tests.security.servers import gunicorn, wait_until_up

pytestmark = [pytest.mark.stack, pytest.mark.commits]  # servers and workers on the database


def test_the_access_log_never_holds_a_links_token(tmp_path):
    database = f"sqlite:///{tmp_path / 'links.db'}"
    app = migrated_app(database)
    with app.app_context():
        db.engine.dispose()
    log = tmp_path / "access.log"
    token = secrets.token_urlsafe(32)
    personal = secrets.token_urlsafe(12)
    with gunicorn(database, GUNICORN_ACCESS_LOG=str(log)) as (base, _server):
        wait_until_up(base, seconds=60)  # a loaded machine starts three workers slowly
        urllib.request.urlopen(base + "/en/programmes", timeout=10).close()
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{base}/r/{token}", timeout=10)  # an unknown token
        assert refused.value.code == 404
        refused.value.close()
        with pytest.raises(urllib.error.HTTPError) as forged:
            urllib.request.urlopen(f"{base}/bn/my/{personal}", timeout=10)
        assert forged.value.code == 404
        forged.value.close()
        with pytest.raises(urllib.error.HTTPError) as calendar:
            urllib.request.urlopen(f"{base}/bn/my/{personal}/calendar.ics", timeout=10)
        assert calendar.value.code == 404
        calendar.value.close()
    written = log.read_text()
    assert token not in written
    assert personal not in written
    assert '"GET /r/(token)" 404' in written
    assert '"GET /bn/my/(token)" 404' in written
    assert '"GET /bn/my/(token)/calendar.ics" 404' in written
    assert '"GET /en/programmes" 200' in written
