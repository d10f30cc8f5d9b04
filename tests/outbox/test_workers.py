"""Real workers (`flask worker` processes) sending through the fake Notify: a worker killed
with SIGKILL in the middle of a send, then started again, leaves every message sent exactly
once. On the SQLite queue with one worker, and on Redis with two (one of them killed).

Each send is held by the fake for HOLD seconds after it has recorded it, so the kill lands
while a worker waits for Notify's answer: the worst moment (Notify has it, we do not know).
The figures are printed (pytest -s) for the record."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from finder.database import writes
from finder.extensions import db
from finder.models import OutboundMessage
from finder.outbox import send
from tests.conftest import ROOT, make_app, migrated_app, own_database, skip_or_fail
from tests.outbox.fake_notify import API_KEY, EMAIL_TEMPLATE, SMS_TEMPLATE, FakeNotify, confirmation

pytestmark = [pytest.mark.stack, pytest.mark.commits]  # servers and workers on the database

MESSAGES = 24
HOLD = 0.4
STUCK = 3.0  # FINDER_JOBS_STUCK_SECONDS for these workers (Notify timeout: 2 s)
REDIS = "redis://127.0.0.1:6379/9"


def settings(database: str, notify: FakeNotify, **more: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database,
        "FINDER_DEMO": "1",
        "NOTIFY_API_KEY": API_KEY,
        "NOTIFY_BASE_URL": notify.url,
        "NOTIFY_EMAIL_TEMPLATE_ID": EMAIL_TEMPLATE,
        "NOTIFY_SMS_TEMPLATE_ID": SMS_TEMPLATE,
        "NOTIFY_TIMEOUT": "2",
        "FINDER_JOBS_STUCK_SECONDS": str(STUCK),
        **more,
    }


class Worker:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = {**os.environ, "FLASK_APP": "finder", **env}
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        flask = Path(sys.executable).parent / "flask"
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(flask), "worker", "--workers", "2"],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return self

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def queue_messages(app, prefix: str) -> None:
    with app.app_context(), writes():
        for n in range(MESSAGES):
            send(
                channel="sms",
                to=f"+447700900{n:03d}",
                template="self_referral_confirmation",
                language="en",
                personalisation=confirmation(f"DE-TEST-{n:04d}"),
                referral=None,
                recipient="patient",
                key=f"{prefix}-{n}",
            )


def wait_for(condition, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


def states(app, prefix: str) -> Counter[str]:
    with app.app_context():
        rows = db.session.execute(
            select(OutboundMessage.status, func.count())
            .where(OutboundMessage.key.like(f"{prefix}-%"))
            .group_by(OutboundMessage.status)
        ).all()
        db.session.remove()
    return Counter(dict(rows))


def run(tmp_path, app, notify, env, prefix: str, workers: int) -> dict[str, int]:
    notify.hold = HOLD
    queue_messages(app, prefix)
    logs = [tmp_path / f"worker-{i}.log" for i in range(workers)]
    running = [Worker(env, log).start() for log in logs]
    try:
        wait_for(lambda: len(notify.received) >= MESSAGES // 3)
        killed_at = len(notify.received)  # the fake is holding a send it has recorded
        running[0].kill()
        in_hand = states(app, prefix)["sending"]
        time.sleep(STUCK + 0.5)  # its claims now count as lost
        running[0] = Worker(env, logs[0]).start()
        wait_for(lambda: states(app, prefix)["sent"] == MESSAGES)
    finally:
        for worker in running:
            worker.stop()
    sends = Counter(n["reference"] for n in notify.received if n["reference"].startswith(prefix))
    figures = {
        "jobs queued": MESSAGES,
        "workers": workers,
        "killed at (sends received)": killed_at,
        "claimed by the killed worker or others at the kill": in_hand,
        "sent": len(sends),
        "sent twice": sum(1 for count in sends.values() if count > 1),
    }
    print(f"\n{prefix}: {figures}")
    assert set(sends) == {f"{prefix}-{n}" for n in range(MESSAGES)}
    assert figures["sent twice"] == 0
    assert states(app, prefix) == Counter({"sent": MESSAGES})
    return figures


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    url = own_database("workers", tmp_path_factory)
    app = migrated_app(url)
    with app.app_context():
        db.engine.dispose()
    return url


def queueing_app(database: str, env: dict[str, str]):
    """The web side: an app that queues jobs for the workers (not at once, as tests do)."""
    return make_app(
        database,
        FINDER_JOBS_IMMEDIATE=False,
        NOTIFY_API_KEY=env["NOTIFY_API_KEY"],
        NOTIFY_BASE_URL=env["NOTIFY_BASE_URL"],
        NOTIFY_EMAIL_TEMPLATE_ID=EMAIL_TEMPLATE,
        NOTIFY_SMS_TEMPLATE_ID=SMS_TEMPLATE,
        NOTIFY_TIMEOUT=2,
        FINDER_JOBS_STUCK_SECONDS=STUCK,
        **{k: v for k, v in env.items() if k in ("FINDER_JOBS_FILE", "FINDER_REDIS_URL")},
    )


def test_a_killed_worker_on_the_sqlite_queue_sends_each_message_once(tmp_path, notify, database):
    notify.reset()
    env = settings(database, notify, FINDER_JOBS_FILE=str(tmp_path / "jobs.db"))
    app = queueing_app(database, env)
    run(tmp_path, app, notify, env, "sqlite", workers=1)


def test_two_workers_on_redis_one_killed_send_each_message_once(tmp_path, notify, database):
    import redis

    try:
        redis.Redis.from_url(REDIS).flushdb()
    except redis.RedisError as error:
        skip_or_fail(f"Redis at {REDIS} is not available: {error}")
    notify.reset()
    env = settings(database, notify, FINDER_REDIS_URL=REDIS)
    app = queueing_app(database, env)
    run(tmp_path, app, notify, env, "redis", workers=2)
