"""The production stack for the fault and attack tests: gunicorn with the shipped
gunicorn.conf.py on a migrated database, and a patient's self-referral sent through it."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookiejar import CookieJar
from typing import Any

from tests.conftest import ROOT

BIN = ROOT / ".venv" / "bin"


def free_port() -> int:
    """A port nothing listens on, for a server about to start. Under pytest-xdist each worker
    only takes ports that leave its own remainder when divided by the number of workers: the
    port is free when asked, not held, so two workers must never be handed the same one."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    mine = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    passed: list[socket.socket] = []  # held until one fits, so none comes round again
    try:
        while True:
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
            if port % workers == mine:
                s.close()
                return port
            passed.append(s)
    finally:
        for s in passed:
            s.close()


def wait_until_up(base: str, seconds: float = 60) -> None:
    """Wait for a server to answer its health check (any answer will do)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).close()
            return
        except urllib.error.HTTPError as answer:
            answer.close()
            return
        except OSError:
            time.sleep(0.1)


@contextmanager
def gunicorn(database_url: str, **settings: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The production server (three workers) on a migrated database: its address and process.
    ``settings`` are more environment variables (GUNICORN_ACCESS_LOG, say)."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "FINDER_SELF_REFERRAL_LIMIT": "100000",
        "GUNICORN_WORKERS": "3",
        "GUNICORN_THREADS": "2",
        "GUNICORN_ACCESS_LOG": "/dev/null",
        **settings,
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
    wait_until_up(base)
    try:
        yield base, server
    finally:
        server.terminate()
        server.wait(timeout=30)


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
                "phone": "020 7946 0123",
                "practice": "DEMO01",
                "preferred_language": "en",
                "consent": "y",
            }
        ).encode()
        done = opener.open(base + "/en/self-refer/x-pert", data, timeout=10)
        page = done.read().decode()
        found = re.search(r'class="app-reference">(?:<bdi>)?(DE-[0-9A-Z-]+)<', page)
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
