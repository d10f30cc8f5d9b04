"""S26: PostgreSQL crashes (`pg_ctl stop -m immediate`) under the production stack.

A private, throwaway cluster made with Debian's server binaries (never the shared one). The
database crashes in the middle of a stream of self-referrals and comes back: every acknowledged
referral must be there in full, and the same gunicorn workers must serve again without a
restart. It then crashes and comes back while the site is idle: the first requests afterwards
must not fail on the pool's dead connections (pool_pre_ping)."""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from tests.conftest import migrated_app, skip_or_fail
from tests.security.servers import free_port, gunicorn, referrals, self_refer

pytestmark = [pytest.mark.stack, pytest.mark.commits]  # servers and workers on the database

DATABASE = "finder"


class Cluster:
    """A PostgreSQL cluster of its own: data, socket and log in one directory, on a free port."""

    def __init__(self, binaries: Path, root: Path) -> None:
        self.binaries = binaries
        self.root = root
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def run(self, program: str, *args: str) -> None:
        # initdb and postgres refuse to run as root: run them as Debian's postgres user then.
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(
            [*as_postgres, self.binaries / program, *args],
            cwd=self.root,
            check=True,
            capture_output=True,
        )

    def create(self) -> None:
        self.run("initdb", "-D", "data", "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", DATABASE)

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root}"
        self.run("pg_ctl", "start", "-D", "data", "-l", "postgres.log", "-w", "-o", options)

    def stop(self, mode: str) -> None:
        self.run("pg_ctl", "stop", "-D", "data", "-m", mode)

    def crash(self) -> None:
        self.stop("immediate")

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=DATABASE)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: float(p.parent.parent.name)
    )
    if not found:
        skip_or_fail("PostgreSQL server binaries (Debian's postgresql package) are not installed")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            skip_or_fail("running as root and there is no postgres user to run PostgreSQL as")
    # Not under pytest's tmp_path: its parents are private to root, and a socket path is short.
    root = Path(tempfile.mkdtemp(prefix="finder-s26-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    cluster = Cluster(found[-1].parent, root)
    try:
        cluster.create()
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # it did not start
            cluster.stop("fast")
        shutil.rmtree(root)


def workers(server: subprocess.Popen[bytes]) -> set[int]:
    listed = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True)
    return {int(pid) for pid in listed.stdout.split()}


def health(base: str) -> int:
    try:
        status: int = urllib.request.urlopen(base + "/healthz", timeout=10).status
        return status
    except urllib.error.HTTPError as error:
        return error.code


def wait_for(condition: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.1)


def test_s26_postgres_crash_mid_stream_and_while_idle(cluster):
    app = migrated_app(cluster.url)
    with app.app_context():
        from finder.extensions import db

        db.engine.dispose()
    with gunicorn(cluster.url) as (base, server):
        # Workers fork one after another once the preloaded app is warm (gunicorn.conf.py).
        wait_for(lambda: len(workers(server)) == 3)
        before = workers(server)
        assert len(before) == 3
        warm_up = [f"Warm Person {i}" for i in range(6)]
        with ThreadPoolExecutor(max_workers=6) as pool:
            assert all(pool.map(lambda n: self_refer(base, n), warm_up)), "it works before"

        # Ten clients send self-referrals. The database crashes once ten are acknowledged, stays
        # down for a second and comes back; the clients go on until ten more have been sent.
        sent: list[tuple[float, str, str | None]] = []  # (started at, name, reference)
        numbers = itertools.count()
        stop = threading.Event()

        def client() -> None:
            while not stop.is_set():
                name = f"Crash Person {next(numbers)}"
                started = time.monotonic()
                sent.append((started, name, self_refer(base, name)))

        with ThreadPoolExecutor(max_workers=10) as pool:
            clients = [pool.submit(client) for _ in range(10)]
            try:
                wait_for(lambda: sum(bool(ref) for *_, ref in sent) >= 10)
                cluster.crash()
                crashed_at = time.monotonic()
                while_down = health(base)
                time.sleep(1.0)
                restarting_at = time.monotonic()
                cluster.start()
                restarted_at = time.monotonic()
                wait_for(lambda: sum(started >= restarted_at for started, *_ in sent) >= 10)
            finally:
                stop.set()
            for finished in clients:
                finished.result()

        acknowledged = {ref: name for _, name, ref in sent if ref}
        before_crash = [ref for started, _, ref in sent if started < crashed_at]
        during = [ref for started, _, ref in sent if crashed_at <= started < restarting_at]
        after = [ref for started, _, ref in sent if started >= restarted_at]
        with cluster.connect() as conn:
            rows, audited = referrals(conn)
        print(
            f"S26: sent {len(sent)}, acknowledged {len(acknowledged)}, "
            f"found after the crash {len(acknowledged.keys() & rows.keys())}; "
            f"sent while down {len(during)}, acknowledged {sum(map(bool, during))}; "
            f"sent after the restart {len(after)}, acknowledged {sum(map(bool, after))}"
        )
        assert all(rows.get(ref) == name for ref, name in acknowledged.items()), (
            "every acknowledged referral is there in full"
        )
        assert set(rows) <= audited, "no referral without its audit row"
        assert while_down == 503, "the health check reports the database down"
        assert any(before_crash), "the crash hit a running stream"
        assert not all(during), "the crash hit a running stream"
        assert after, "every referral sent after the restart is acknowledged"
        assert all(after), "every referral sent after the restart is acknowledged"

        # Down and up again while nobody is using the site: the pools hold dead connections.
        cluster.crash()
        cluster.start()
        names = [f"Reconnect Person {i}" for i in range(12)]
        with ThreadPoolExecutor(max_workers=6) as pool:
            references = list(pool.map(lambda n: self_refer(base, n), names))
        print(f"S26 idle restart: sent {len(names)}, acknowledged {sum(map(bool, references))}")
        assert all(references), "the first requests after the restart do not fail"
        with cluster.connect() as conn:
            rows, _ = referrals(conn)
        assert dict(zip(references, names, strict=True)).items() <= rows.items()
        assert server.poll() is None, "the server is still running"
        assert workers(server) == before, (
            "the same gunicorn workers served throughout: none died, none was restarted"
        )
