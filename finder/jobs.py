"""The job queue: work that must not run in a web request (sending messages, the uptake
figures) runs as Huey jobs in worker processes (``flask worker``).

The store is a SQLite file beside the database on one node (``FINDER_JOBS_FILE``), Redis when
``FINDER_REDIS_URL`` is set (web and worker nodes apart); the code is the same. A module
declares its jobs with ``@job(...)``; each app gets its own Huey, with those jobs registered
to run inside that app (a fresh app context and unit of work, as in another process).

``enqueue`` called inside a ``writes()`` block queues the job when that block commits (never
for a rolled-back change, and never before the rows the job reads are there). Huey does not
hand a job back if its worker dies (``kill -9``): jobs are written to be run again safely, and
the modules that need it sweep for lost work periodically and at each worker's start.
"""

from __future__ import annotations

import contextvars
import importlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from huey import Huey, crontab
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy import event
from sqlalchemy.orm import Session

from finder.database import writing
from finder.extensions import db

logger = logging.getLogger(__name__)
NAME = "finder"  # Huey's queue name: every web and worker node must use the same
# The modules whose jobs every app registers.
MODULES = (
    "finder.outbox.sending",
    "finder.commissioning.uptake",
    "finder.register.invitations",
    "finder.referrals.booking",
)
PENDING = "finder_jobs_pending"


@dataclass(frozen=True)
class Job:
    function: Callable[..., Any]
    retries: int = 0
    retry_delay: int = 0
    retry_backoff: float = 0
    # A crontab for a periodic job; None: run when queued.
    every: Any = None
    at_start: bool = False

    @property
    def name(self) -> str:
        return f"{self.function.__module__}.{self.function.__qualname__}"


_declared: dict[str, Job] = {}


def job(
    *,
    retries: int = 0,
    retry_delay: int = 0,
    retry_backoff: float = 0,
    every: Any = None,
    at_start: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a function as a job (retries: how often a failed run is tried again, first
    after ``retry_delay`` seconds, each wait ``retry_backoff`` times the one before)."""

    def declare(function: Callable[..., Any]) -> Callable[..., Any]:
        declared = Job(function, retries, retry_delay, retry_backoff, every, at_start)
        _declared[declared.name] = declared
        return function

    return declare


def minutes(n: int) -> Any:
    """A crontab for every ``n`` minutes."""
    return crontab(minute=f"*/{n}")


@dataclass
class Queue:
    huey: Huey
    tasks: dict[str, Any] = field(default_factory=dict)


def _storage(config: Mapping[str, Any]) -> tuple[type[Any], dict[str, Any]]:
    """Huey's storage class and its arguments for these settings."""
    if config["FINDER_JOBS_IMMEDIATE"]:
        return MemoryStorage, {}
    if config["FINDER_REDIS_URL"]:
        return RedisStorage, {"url": config["FINDER_REDIS_URL"]}
    Path(config["FINDER_JOBS_FILE"]).parent.mkdir(parents=True, exist_ok=True)
    return SqliteStorage, {"filename": config["FINDER_JOBS_FILE"]}


def _in_app(app: Flask, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` run inside ``app`` with nothing of the caller's context (in immediate mode
    the caller may be inside a commit): its own app context, session and unit of work."""

    def run(*args: Any, **kwargs: Any) -> Any:
        def inside() -> Any:
            with app.app_context():
                return function(*args, **kwargs)

        return contextvars.Context().run(inside)

    run.__name__ = function.__name__
    return run


def init_app(app: Flask) -> None:
    for module in MODULES:
        importlib.import_module(module)
    storage_class, storage_kwargs = _storage(app.config)
    huey = Huey(
        NAME,
        results=False,
        utc=True,
        immediate=app.config["FINDER_JOBS_IMMEDIATE"],
        immediate_use_memory=False,
        storage_class=storage_class,
        **storage_kwargs,
    )
    queue = Queue(huey)
    for name, declared in _declared.items():
        run = _in_app(app, declared.function)
        if declared.every is not None:
            queue.tasks[name] = huey.periodic_task(declared.every, name=name)(run)
        else:
            queue.tasks[name] = huey.task(
                retries=declared.retries,
                retry_delay=declared.retry_delay,
                retry_backoff=declared.retry_backoff,
                name=name,
            )(run)
        if declared.at_start:
            huey.on_startup(name=f"{name}.at_start")(run)
    app.extensions["finder_jobs"] = queue
    app.cli.add_command(worker_command)


def queue() -> Queue:
    result: Queue = current_app.extensions["finder_jobs"]
    return result


def enqueue(function: Callable[..., Any], *args: Any) -> None:
    """Queue the job ``function(*args)`` (arguments: plain values, e.g. ids): when the open
    ``writes()`` block commits, or now outside one."""
    task = queue().tasks[Job(function).name]
    if writing():
        db.session.info.setdefault(PENDING, []).append((task, args))
    else:
        task(*args)


@event.listens_for(Session, "after_commit")
def _queue_pending(session: Session) -> None:
    """The change is committed whatever happens here: a job that cannot be queued (the store
    is down) is logged, and the modules' sweeps queue it again later. SQLAlchemy sends this
    event for a savepoint released too (``begin_nested``): the jobs then wait for the real
    commit (run earlier, they would not find the rows, or on SQLite not get the lock)."""
    if session.in_nested_transaction():
        return
    for task, args in session.info.pop(PENDING, []):
        try:
            task(*args)
        except Exception:
            logger.exception("could not queue %s", task.name)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(PENDING, None)


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="Jobs run at once (threads).")
@with_appcontext
def worker_command(workers: int) -> None:
    """Run queued jobs until stopped: SIGTERM (docker stop) lets the jobs in hand finish
    first; SIGINT (Ctrl-C) stops at once (a job cut short is swept up and run again)."""
    huey = queue().huey
    if huey.immediate:
        raise click.ClickException("FINDER_JOBS_IMMEDIATE is set: jobs run where they are queued.")
    huey.create_consumer(
        workers=workers, worker_type="thread", periodic=True, graceful_signal="TERM"
    ).run()
