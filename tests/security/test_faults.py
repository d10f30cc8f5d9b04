"""Faults on the real production stack (gunicorn, several workers, one SQLite file):
S25 concurrent writers, and S23 `kill -9` of a worker in the middle of a stream of
self-referrals. Every acknowledged referral must be there in full afterwards."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, migrated_app

BIN = ROOT / ".venv" / "bin"


@contextmanager
def gunicorn(database_url: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The production server (three workers) on a migrated database: its address and process."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "FINDER_SELF_REFERRAL_LIMIT": "100000",
        "GUNICORN_WORKERS": "3",
        "GUNICORN_THREADS": "2",
        "GUNICORN_ACCESS_LOG": "/dev/null",
    }
    server = subprocess.Popen(
        [
            BIN / "gunicorn",
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            "finder:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    try:
        yield base, server
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def stack(tmp_path):
    database = tmp_path / "faults.db"
    app = migrated_app(f"sqlite:///{database}")
    with app.app_context():
        from finder.extensions import db

        db.engine.dispose()
    with gunicorn(f"sqlite:///{database}") as (base, server):
        yield base, database, server


def self_refer(base: str, name: str) -> str | None:
    """One patient's self-referral; the reference if the server acknowledged it."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    try:
        form = opener.open(base + "/en/self-refer/x-pert", timeout=10).read().decode()
        fields = dict(re.findall(r'name="(csrf_token|submission)" value="([^"]+)"', form))
        data = urllib.parse.urlencode(
            {
                **fields,
                "name": name,
                "date_of_birth": "01/01/1960",
                "phone": "07700 900123",
                "practice": "DEMO01",
                "preferred_language": "en",
                "consent": "y",
            }
        ).encode()
        done = opener.open(base + "/en/self-refer/x-pert", data, timeout=10)
        page = done.read().decode()
        found = re.search(r'class="app-reference">(DE-[0-9A-Z-]+)<', page)
        return found.group(1) if found and done.status == 200 else None
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def referrals(conn: Any) -> tuple[dict[str, str], set[str]]:
    """Each stored referral's patient name, and the references with a creation audit row.

    ``conn`` is a DB-API connection with ``execute`` (sqlite3 or psycopg)."""
    rows = dict(
        conn.execute(
            "SELECT r.reference, p.name FROM referral r JOIN patient p ON p.id = r.patient_id"
        ).fetchall()
    )
    audited = {
        ref
        for (ref,) in conn.execute(
            "SELECT object_ref FROM audit_event WHERE action = 'referral.create'"
        ).fetchall()
    }
    return rows, audited


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
    assert rows == acknowledged and check == "ok" and set(rows) <= audited


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
