"""Engine set-up for SQLite and PostgreSQL, and the start-up check that the database answers."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import structlog
from flask import Flask
from sqlalchemy import event, func, inspect, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError

from portal.config import StartupError, describe_database_url
from portal.extensions import db

log = structlog.get_logger("portal.database")

# Seconds to wait for PostgreSQL before saying it is unreachable, rather than hanging.
CONNECT_TIMEOUT = 10


@event.listens_for(Engine, "connect")
def _configure_sqlite_connection(dbapi_connection, _connection_record):
    # SQLite leaves foreign keys off unless asked on every connection; the schema's
    # integrity depends on them. How long to wait for a busy database is set where the
    # engine is made (prepare_database), from the configuration.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()


def begin_writing(session) -> None:
    """Open the session's transaction for writing now, so that savepoints nest inside it.

    SQLite's driver begins a transaction only at the first write: a SAVEPOINT before it
    would itself be the outermost transaction, and releasing it would commit. On SQLite
    the write lock is taken at once (BEGIN IMMEDIATE), so a long bulk write never fails
    half-way for a lock another writer took after it started reading.
    """
    raw = session.connection().connection.dbapi_connection
    if isinstance(raw, sqlite3.Connection) and not raw.in_transaction:
        raw.execute("BEGIN IMMEDIATE")


def number_new_rows(session) -> None:
    """Give the session's new rows their ids before a flush, on SQLite, under its write lock.

    SQLite cannot say which generated id belongs to which row of a multi-row INSERT, so
    the ORM writes new rows one statement each; rows that carry their ids are written
    together (a bulk import: thousands of rows ten times faster). The ids are those
    SQLite would give (the largest one's successor: no table uses AUTOINCREMENT), and
    nobody else can take them, since the caller holds the write lock (``begin_writing``).
    PostgreSQL numbers many rows in one statement already, from its sequences.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    waiting: dict = {}
    for instance in session.new:
        mapper = inspect(instance).mapper
        key = mapper.primary_key
        if len(key) != 1 or not key[0].autoincrement or key[0].type.python_type is not int:
            continue
        attribute = mapper.get_property_by_column(key[0]).key
        if getattr(instance, attribute) is None:
            waiting.setdefault((key[0].table, attribute), []).append(instance)
    for (table, attribute), instances in waiting.items():
        column = next(iter(table.primary_key.columns))
        largest = connection.execute(select(func.max(column))).scalar() or 0
        for offset, instance in enumerate(instances, start=1):
            setattr(instance, attribute, largest + offset)


def database_busy(error: BaseException) -> bool:
    """Return whether ``error`` is SQLite giving up on a lock another connection holds."""
    original = getattr(error, "orig", error)
    if not isinstance(original, sqlite3.OperationalError):
        return False
    # The primary result code is the low byte; extended codes (BUSY_SNAPSHOT...) share it.
    code = getattr(original, "sqlite_errorcode", None)
    if code is None:
        return "database is locked" in str(original)
    return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def database_full(error: BaseException) -> bool:
    """Return whether ``error`` is the database's disk (or its size limit) being full."""
    original = getattr(error, "orig", error)
    if isinstance(original, sqlite3.Error):
        code = getattr(original, "sqlite_errorcode", None)
        if code is None:
            return "database or disk is full" in str(original)
        return code & 0xFF == sqlite3.SQLITE_FULL
    # PostgreSQL: "could not extend file ...: No space left on device" (class 53100).
    return getattr(original, "sqlstate", None) == "53100"


def prepare_database(app: Flask) -> None:
    """Create the SQLite file's folder and set engine options for the configured backend."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        # sqlite3's timeout is SQLite's busy timeout: a statement meeting another
        # connection's write lock retries for this long before failing as busy.
        connect_args = dict(options.get("connect_args", {}))
        connect_args.setdefault("timeout", app.config["SQLITE_BUSY_TIMEOUT_SECONDS"])
        options["connect_args"] = connect_args
    else:
        connect_args = dict(options.get("connect_args", {}))
        connect_args.setdefault("connect_timeout", CONNECT_TIMEOUT)
        # No JIT compilation: the portal's statements read a page of rows, but the
        # planner prices the key lookups of row-level security as if every row needed
        # one, and compiling then took 300 ms of a 10 ms statement (docs/benchmarks.md).
        given = connect_args.get("options") or url.query.get("options") or ""
        connect_args["options"] = f"{given} -c jit=off".strip()
        options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def batch_inserts(app: Flask) -> None:
    """Write the rows of an INSERT given many at once as multi-row INSERTs, on both backends.

    SQLAlchemy does so already when it reads generated ids back (RETURNING); rows of
    a statement without RETURNING (the pairs of a many-to-many table) were sent one
    statement each. On PostgreSQL every statement checks the row-level security policies
    and verifies the signed identity anew, so 20,000 pairs of a 10,000-row import took
    12 of its 50 seconds (docs/benchmarks.md "Imports and exports"). The capture
    triggers still write one audit entry per row.
    """
    with app.app_context():
        db.engine.dialect.use_insertmanyvalues_wo_returning = True


def database_problem() -> str | None:
    """Return why the database cannot be used, or None when it answers."""
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as error:
        lines = str(error.orig).strip().splitlines() or [type(error.orig).__name__]
        return lines[0]
    return None


def check_database(app: Flask) -> None:
    """Stop start-up with one clear line when the configured database does not answer."""
    with app.app_context():
        problem = database_problem()
    if problem:
        where = describe_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
        raise StartupError(f"IISG_DATABASE_URL: cannot connect to {where}: {problem}")
    with app.app_context():
        problem = identity_problem()
    if problem:
        # Said at once rather than by every request failing; not fatal, since the
        # upgrade that mends it runs in this same program.
        log.error("identity_key_mismatch", problem=problem)


def identity_problem() -> str | None:
    """Return why PostgreSQL would not believe this portal's signed identity, if it would not."""
    from portal import db_identity

    try:
        with db.engine.connect() as connection:
            if not db_identity.installed(connection):
                return None
        db.session.execute(text("SELECT iisg_identity_verified()"))
    except DBAPIError:
        return (
            "the database does not hold this portal's identity key (IISG_SECRET_KEY changed?):"
            " run 'iisg db upgrade' as the schema owner"
        )
    finally:
        db.session.remove()
    return None


def schema_problem(migrations_directory: str) -> str | None:
    """Return why the schema is not at the latest migration, or None when it is."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    expected = set(ScriptDirectory(migrations_directory).get_heads())
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current != expected:
        found = ", ".join(sorted(current)) or "none"
        return f"schema is at revision {found}, expected {', '.join(sorted(expected))}"
    return None
