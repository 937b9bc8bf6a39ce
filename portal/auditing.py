"""The audit trail's runtime hooks: each request's context, sealing, SQLite's functions.

What is audited is declared in the record-type registry (``portal.record_types``); who
is acting is set by ``portal.identity``; security events are written by
``portal.services.security_events``. This module ties a request to the trail.
"""

from __future__ import annotations

import sqlite3

import structlog
from flask import Flask, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from audit import context as audit_context
from audit import mac as audit_mac
from portal import audit_trail
from portal.extensions import db
from portal.identity import act_as_system, forget

log = structlog.get_logger("portal.audit")


def _begin_request() -> None:
    # Every request starts as the system, anonymous, and becomes its user once signed in.
    audit_context.clear()
    act_as_system(
        "anonymous request",
        request_id=getattr(g, "request_id", None),
        client_address=(request.remote_addr or "")[:64] or None,
    )


_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def written() -> None:
    """Note that this request wrote to the trail (a page read that recorded an event)."""
    if has_request_context():
        g.audit_written = True


def _seal_after_request(response):
    # Requests that change things (and reads that recorded an event) seal what they
    # wrote at once; `iisg audit seal` catches anything else, e.g. from other clients.
    if request.method in _READ_ONLY_METHODS and not g.get("audit_written"):
        return response
    try:
        audit_trail.seal_after_request()
    except SQLAlchemyError:
        # Sealing later is harmless; failing the user's request because of it is not.
        log.warning("audit_seal_deferred", exc_info=True)
    return response


def register_auditing(app: Flask) -> None:
    """Give every request its audit context, seal after writes, honour strict mode.

    On SQLite, the entries written through the app's engine carry MACs made with a key
    derived from its secret key.
    """
    audit_context.set_strict(bool(app.config.get("AUDIT_STRICT")))
    with app.app_context():
        authenticate_entries(db.engine, app.config["SECRET_KEY"])
    app.before_request(_begin_request)
    if app.config.get("AUDIT_SEAL_AFTER_REQUESTS", True):
        app.after_request(_seal_after_request)
    app.teardown_request(lambda _error: forget())


# --- SQLite connections ---------------------------------------------------------------


def _sqlite_state(dbapi_connection, connection_record) -> audit_context.SqliteConnectionState:
    state = connection_record.info.get("audit")
    if state is None or state.connection is not dbapi_connection:
        state = audit_context.register_sqlite_functions(dbapi_connection)
        connection_record.info["audit"] = state
    return state


@event.listens_for(Engine, "connect")
def _register_sqlite_functions(dbapi_connection, connection_record) -> None:
    # Without these functions SQLite's capture triggers fail. Any engine's connections
    # get them (scripts, tests); only the portal's engines give them the MAC key, so
    # entries written through any other carry no MAC, and verification names them.
    if isinstance(dbapi_connection, sqlite3.Connection):
        _sqlite_state(dbapi_connection, connection_record)


def authenticate_entries(engine: Engine, secret_key: str) -> None:
    """Let the entries written through ``engine`` (SQLite) carry MACs made with this key."""
    key = audit_mac.MacKey.from_secret(secret_key)

    def give_key(dbapi_connection, connection_record) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection):
            _sqlite_state(dbapi_connection, connection_record).mac_key = key

    event.listen(engine, "connect", give_key)


@event.listens_for(Engine, "begin")
def _start_sqlite_transaction(connection) -> None:
    state = connection.info.get("audit")
    if state is not None:
        state.end_transaction()
