"""Faults on the real production stack (gunicorn, several workers, one SQLite file):
S25 concurrent writers, and S23 `kill -9` of a worker in the middle of a stream of
self-referrals. Every acknowledged referral must be there in full afterwards."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import migrated_app
from tests.security.servers import gunicorn, referrals, self_refer

pytestmark = [pytest.mark.stack, pytest.mark.commits]  # servers and workers on the database


@pytest.fixture
def stack(tmp_path):
    database = tmp_path / "faults.db"
    app = migrated_app(f"sqlite:///{database}")
    with app.app_context():
        from finder.extensions import db

        db.engine.dispose()
    with gunicorn(f"sqlite:///{database}") as (base, server):
        yield base, database, server


def stored(database: Path) -> tuple[dict[str, str], str, set[str]]:
    with sqlite3.connect(database) as conn:
        rows, audited = referrals(conn)
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
    return rows, check, audited


def test_s25_concurrent_writers_on_sqlite(stack):
    base, database, _server = stack
    names = [f"Concurrent Person {i}" for i in range(120)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        references = list(pool.map(lambda n: self_refer(base, n), names))
    acknowledged = {ref: name for ref, name in zip(references, names, strict=True) if ref}
    rows, check, audited = stored(database)
    print(f"S25: sent {len(names)}, acknowledged {len(acknowledged)}, stored {len(rows)}")
    assert len(acknowledged) == len(names), "no request failed (no 'database is locked')"
    assert rows == acknowledged
    assert check == "ok"
    assert set(rows) <= audited


def test_s23_kill_minus_9_a_worker_mid_stream(stack):
    base, database, server = stack
    names = [f"Crash Person {i}" for i in range(200)]
    references: list[str | None] = [None] * len(names)

    def send(i: int) -> None:
        references[i] = self_refer(base, names[i])

    def killer() -> None:
        time.sleep(1.0)
        workers = subprocess.run(
            ["pgrep", "-P", str(server.pid)], capture_output=True, text=True
        ).stdout.split()
        os.kill(int(workers[0]), signal.SIGKILL)

    threading.Thread(target=killer).start()
    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(send, range(len(names))))
    acknowledged = {ref: names[i] for i, ref in enumerate(references) if ref}
    rows, check, audited = stored(database)
    print(
        f"S23: sent {len(names)}, acknowledged {len(acknowledged)}, found after the crash {len(acknowledged.keys() & rows.keys())}"
    )
    assert check == "ok"
    assert all(rows.get(ref) == name for ref, name in acknowledged.items()), (
        "every acknowledged referral is there in full"
    )
    assert set(rows) <= audited, "no referral without its audit row"
    assert len(acknowledged) >= 150
