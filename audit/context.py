"""Who is acting and why: the context every audit entry records.

The application sets it per request (or per command) with ``bind``; it lives in a
context variable, so threads and requests never share it. The database learns it:

- PostgreSQL: through transaction-local settings (``set_config('audit.actor_id', ...,
  true)`` and friends), set at the start of each transaction and again when it changes
  part-way through one, so a pooled connection never carries it into the next;
- SQLite: through functions registered on each of the application's connections
  (``audit_context``, ``audit_transaction_id``, ``audit_now``, ``audit_refused``), which
  the triggers call; ``audit_mac`` authenticates each entry with the application's MAC
  key (``audit.mac``), without which it gives NULL.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime

from sqlalchemy import text

from audit.canonical import ENTRY_FIELDS
from audit.mac import MacKey

ACTOR_KINDS = ("user", "api_token", "system", "db")


@dataclass(frozen=True)
class AuditContext:
    """The circumstances of the changes made now."""

    actor_id: int | None = None
    actor_kind: str | None = None
    actor_label: str | None = None
    actor_tenant_id: int | None = None
    request_id: str | None = None
    client_address: str | None = None
    reason: str | None = None

    def __post_init__(self):
        if self.actor_kind is not None and self.actor_kind not in ACTOR_KINDS:
            raise ValueError(f"unknown actor kind {self.actor_kind!r}")


NOBODY = AuditContext()
_context: ContextVar[AuditContext] = ContextVar("audit_context", default=NOBODY)
_strict = threading.Event()


def current() -> AuditContext:
    """Return the context changes are recorded with now."""
    return _context.get()


_listeners: list = []


def on_change(listener) -> None:
    """Call ``listener()`` whenever the context changes (to tell an open transaction)."""
    _listeners.append(listener)


def _changed() -> None:
    for listener in _listeners:
        listener()


def bind(*, notify: bool = True, **changes) -> AuditContext:
    """Change some of the context from now on (in this thread or request) and return it.

    ``notify=False`` when the caller tells the open transaction itself right after.
    """
    context = replace(_context.get(), **changes)
    _context.set(context)
    if notify:
        _changed()
    return context


def clear() -> None:
    """Forget the context (at the end of a request)."""
    _context.set(NOBODY)


@contextmanager
def acting(**changes):
    """Record the changes made inside the block with this context, then restore it."""
    token = _context.set(replace(_context.get(), **changes))
    _changed()
    try:
        yield _context.get()
    finally:
        _context.reset(token)
        _changed()


def set_strict(enabled: bool) -> None:
    """Refuse (or allow again) writes made without an actor, in this process."""
    if enabled:
        _strict.set()
    else:
        _strict.clear()


def is_strict() -> bool:
    """Return whether writes without an actor are refused."""
    return _strict.is_set()


def postgres_settings(context: AuditContext | None = None) -> dict[str, str]:
    """Return the ``audit.*`` settings that describe ``context`` to PostgreSQL."""
    context = context or current()
    settings = {
        f"audit.{field.name}": "" if value is None else str(value)
        for field in fields(context)
        for value in [getattr(context, field.name)]
    }
    if is_strict():
        # Only ever switched on here: a database-wide setting stays in force otherwise.
        settings["audit.strict"] = "on"
    return settings


def set_config_statement(settings: dict[str, str]):
    """Return one statement (and its parameters) setting ``settings`` for the transaction."""
    calls = ", ".join(f"set_config(:name_{i}, :value_{i}, true)" for i in range(len(settings)))
    parameters = {}
    for i, (name, value) in enumerate(settings.items()):
        parameters[f"name_{i}"] = name
        parameters[f"value_{i}"] = value
    return text(f"SELECT {calls}"), parameters


def apply(connection, context: AuditContext | None = None) -> None:
    """Tell a PostgreSQL connection the context, for its current transaction."""
    if connection.dialect.name == "postgresql":
        connection.execute(*set_config_statement(postgres_settings(context)))


# --- SQLite -------------------------------------------------------------------------

_transaction_lock = threading.Lock()
_highest_transaction = 0


def _next_transaction_id() -> int:
    # SQLite lets one writer at a time in, so numbers taken at a transaction's first
    # write increase in commit order; the clock makes them increase across processes.
    global _highest_transaction
    with _transaction_lock:
        _highest_transaction = max(time.time_ns(), _highest_transaction + 1)
        return _highest_transaction


class SqliteConnectionState:
    """The audit state of one SQLite connection: its transaction's number, its MAC key."""

    def __init__(self, connection, mac_key: MacKey | None = None):
        # Which connection the functions were registered on: a pool that reconnects
        # gets a new one, which needs them registered again.
        self.connection = connection
        self.transaction_id: int | None = None
        self.mac_key = mac_key

    def transaction(self) -> int:
        if self.transaction_id is None:
            self.transaction_id = _next_transaction_id()
        return self.transaction_id

    def end_transaction(self) -> None:
        """Forget the number: the next write starts a new transaction."""
        self.transaction_id = None

    def mac(self, *values) -> str | None:
        """Return the MAC of an entry's ``ENTRY_FIELDS`` values; NULL without a key."""
        key = self.mac_key
        return None if key is None else key.mac(values)


def _context_value(name: str):
    context = current()
    if name == "actor_kind" and context.actor_kind is None:
        # SQLite is only ever written by the application: with no actor named, the
        # change is the system's.
        return "system"
    return getattr(context, name)


def _refused() -> int:
    return int(is_strict() and current().actor_kind is None)


def now_text() -> str:
    """Return the current UTC time as RFC 3339 text with microseconds."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def register_sqlite_functions(
    dbapi_connection, mac_key: MacKey | None = None
) -> SqliteConnectionState:
    """Register the functions the SQLite triggers call on one connection.

    Without ``mac_key`` (or until the state is given one) the entries it writes carry no
    MAC, and verification names them.
    """
    state = SqliteConnectionState(dbapi_connection, mac_key)
    dbapi_connection.create_function("audit_context", 1, _context_value)
    dbapi_connection.create_function("audit_transaction_id", 0, state.transaction)
    dbapi_connection.create_function("audit_now", 0, now_text)
    dbapi_connection.create_function("audit_refused", 0, _refused)
    dbapi_connection.create_function("audit_mac", len(ENTRY_FIELDS), state.mac)
    return state
