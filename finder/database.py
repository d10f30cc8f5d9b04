"""The database: SQLite's connection settings, and the one way to write (``writes()``).

Every unit of work is a ``with writes():`` block. It commits when the block ends and rolls
back if it raises; helpers and views never commit. On SQLite the block's transaction takes the
write lock when it begins (``BEGIN IMMEDIATE``): a transaction that read first and then wrote
could not wait for another writer (SQLITE_BUSY_SNAPSHOT). Reads outside a block take no lock,
so a staff page renders without holding up other writers. On PostgreSQL, operations lock the
rows they change (``locked()``) so two requests at once are serialised there too.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from finder.extensions import db

# An execution option for connections that only read (the directory copy): never the lock.
READS_ONLY = "finder_reads_only"

_writing: ContextVar[bool] = ContextVar("finder_writing", default=False)

M = TypeVar("M")


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy issue BEGIN itself (pysqlite's own handling is wrong for us; see
    # SQLAlchemy's "Serializable isolation / Savepoints / Transactional DDL" notes).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn: Any) -> None:
    if conn.dialect.name != "sqlite":
        return
    immediate = _writing.get() and not conn.get_execution_options().get(READS_ONLY)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def writing() -> bool:
    """Whether a ``writes()`` block is open."""
    return _writing.get()


@contextmanager
def writes() -> Iterator[None]:
    """One unit of work: commit at the end, roll back on any error.

    A block inside another joins it (the outer block commits). A read transaction still open
    when the block starts is ended first, so the write transaction begins with the lock and
    sees the latest committed rows; objects read before are refreshed when next used.
    """
    if _writing.get():
        yield
        return
    session = db.session()
    if session.in_transaction():
        session.commit()
    token = _writing.set(True)
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        _writing.reset(token)


def locked(model: type[M], **where: Any) -> M | None:
    """The row, read again and locked until the end of the ``writes()`` block (PostgreSQL's
    ``SELECT … FOR UPDATE``; on SQLite the block already holds the database's write lock)."""
    if not _writing.get():
        raise RuntimeError("locked() outside a writes() block")
    return db.session.scalar(
        select(model).filter_by(**where).with_for_update().execution_options(populate_existing=True)
    )
