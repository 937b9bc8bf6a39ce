"""Structured logging and request timing.

Every log line is one JSON object carrying the request id (and, once someone is signed
in, the user and tenant). The request's own line and its ``Server-Timing`` header give
the same figures: total time, time spent in the database and the number of queries, so
a page that issues one query per row shows itself from outside.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass

import structlog
from flask import Flask, g, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

REQUEST_ID_HEADER = "X-Request-ID"
# A request id supplied by a proxy is kept only if it cannot smuggle anything into logs
# or headers.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Keys whose values never reach a log line, whatever a caller passes.
_SECRET_KEYS = re.compile(
    r"password|passwd|secret|token|cookie|authorization|totp|recovery|^code$", re.IGNORECASE
)

log = structlog.get_logger("portal")


def _redact_secrets(_logger, _method, event_dict: dict) -> dict:
    for key in event_dict:
        if key != "event" and _SECRET_KEYS.search(key):
            event_dict[key] = "[redacted]"
    return event_dict


def configure_logging(level: str) -> None:
    """Send structlog and standard-library records to stderr as JSON lines."""
    numeric_level = logging.getLevelName(level)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact_secrets,
            structlog.processors.format_exc_info,
            # JSON escapes newlines and quotes, so user input cannot forge a log line.
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        # Looked up at each call rather than bound once, so whoever replaces stderr (a
        # process manager, the test runner) receives the lines.
        logger_factory=lambda *_: structlog.PrintLogger(sys.stderr),
        cache_logger_on_first_use=False,
    )


@dataclass
class QueryStatistics:
    """Database time and statement count for the current request."""

    count: int = 0
    seconds: float = 0.0


_statistics: ContextVar[QueryStatistics | None] = ContextVar("query_statistics", default=None)


@event.listens_for(Engine, "before_cursor_execute")
def _start_query_clock(conn, cursor, statement, parameters, context, executemany):
    conn.info.setdefault("query_started", []).append(time.perf_counter())


@event.listens_for(Engine, "after_cursor_execute")
def _stop_query_clock(conn, cursor, statement, parameters, context, executemany):
    started = conn.info["query_started"].pop()
    statistics = _statistics.get()
    if statistics is not None:
        statistics.count += 1
        statistics.seconds += time.perf_counter() - started


def _begin_request() -> None:
    supplied = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = supplied if _SAFE_REQUEST_ID.match(supplied) else uuid.uuid4().hex
    g.request_started = time.perf_counter()
    g.query_statistics = QueryStatistics()
    _statistics.set(g.query_statistics)
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=g.request_id)


def _finish_request(response):
    started = g.get("request_started")
    statistics = g.get("query_statistics")
    if started is None or statistics is None:
        return response
    app_ms = (time.perf_counter() - started) * 1000
    db_ms = statistics.seconds * 1000
    response.headers[REQUEST_ID_HEADER] = g.request_id
    response.headers["Server-Timing"] = (
        f'app;dur={app_ms:.1f}, db;dur={db_ms:.1f};desc="{statistics.count} queries"'
    )
    log.info(
        "request",
        method=request.method,
        path=request.path,
        status=response.status_code,
        duration_ms=round(app_ms, 1),
        db_ms=round(db_ms, 1),
        db_queries=statistics.count,
    )
    return response


def _forget_request(_exception) -> None:
    _statistics.set(None)
    structlog.contextvars.clear_contextvars()


def instrument(app: Flask) -> None:
    """Give every request an id, time it, and log one line for it."""
    app.before_request(_begin_request)
    app.after_request(_finish_request)
    app.teardown_request(_forget_request)
