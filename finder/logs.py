"""Structured logs: one JSON object per line, with the request's correlation id.

JSON escapes newlines, so a value cannot forge a second log line. Log calls name endpoints,
never query strings or form values, so no personal data reaches the logs.
"""

from __future__ import annotations

import json
import logging
import traceback
from types import TracebackType

from flask import Flask, g, has_request_context, request
from sqlalchemy.exc import StatementError

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


def _said(error: BaseException) -> str:
    """What an exception says, less values a database quotes back. SQLAlchemy leaves the
    statement's values out (hide_parameters, finder/config.py), but PostgreSQL's message adds
    a DETAIL line quoting them ("Key (email)=(…) already exists"): keep its first line only."""
    if isinstance(error, StatementError) and error.orig is not None:
        return f"({type(error.orig).__name__}) {_said(error.orig)} [SQL: {error.statement}]"
    primary = getattr(getattr(error, "diag", None), "message_primary", None)  # psycopg
    return str(error) if primary is None else str(primary)


def format_error(exc_info: ExcInfo) -> str:
    """A traceback like Python's, each exception in the chain told by ``_said``."""
    chain: list[BaseException] = []
    error = exc_info[1]
    while error is not None and all(error is not seen for seen in chain):
        chain.append(error)
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    return "\n\nwhich led to\n\n".join(
        "Traceback (most recent call last):\n"
        + "".join(traceback.format_tb(error.__traceback__))
        + f"{type(error).__module__}.{type(error).__qualname__}: {_said(error)}"
        for error in reversed(chain)
    )


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, str | None] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            entry["request_id"] = g.get("request_id")
            entry["method"] = request.method
            entry["endpoint"] = request.endpoint
        if record.exc_info:
            entry["error"] = format_error(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def init_app(app: Flask) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    app.logger.handlers = [handler]
    app.logger.setLevel(logging.INFO)
