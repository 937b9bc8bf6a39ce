"""What the portal records in the audit trail, and how it tells the trail who is acting.

``DECLARATION`` is the one list of audited tables: the migration that installs the
capture triggers (and any later one that changes an audited table) generates its SQL
from it, and a test fails when a mapped table is missing from it.
"""

from __future__ import annotations

import getpass
import json
import sqlite3

import structlog
from flask import Flask, g, has_app_context, has_request_context, request
from sqlalchemy import event, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from audit import context as audit_context
from audit.declaration import PLATFORM, Audited, Declaration, Exempt, OwnColumn, ParentRow
from portal import link_ends

log = structlog.get_logger("portal.audit")

_OWN = OwnColumn()
_NEED = ParentRow("needs", "need_id")
_RESPONSE = ParentRow("responses", "response_id")
_USER = ParentRow("users", "user_id")

DECLARATION = Declaration(
    audited=(
        # Platform data: reference lists and cycles, kept by the Secretariat.
        *(
            Audited(table, PLATFORM)
            for table in (
                "pillars",
                "need_categories",
                "perspectives",
                "acquis_chapters",
                "partner_economies",
                "cycles",
            )
        ),
        # An organisation's own record joins its own chain.
        Audited("tenants", OwnColumn("id")),
        Audited("needs", _OWN),
        Audited("need_acquis_chapters", _NEED),
        Audited("responses", _OWN),
        Audited("response_pillars", _RESPONSE),
        Audited("response_beneficiaries", _RESPONSE),
        Audited("response_parties", _RESPONSE),
        # A link is the proposing response's claim; it joins that response's chain.
        Audited(
            "support_links",
            _RESPONSE,
            derived=link_ends.COPIED_COLUMNS,
            why="copies of the need's and the response's columns, kept by the database;"
            " their changes are recorded on the need and the response",
        ),
        Audited(
            "users",
            _OWN,
            redacted=("password_hash", "totp_secret_encrypted"),
            bookkeeping=(
                "last_login_at",
                "totp_last_step",
                "failed_login_count",
                "failure_window_started_at",
            ),
            why="sign-in counters and the last used code step change on every sign-in;"
            " the sign-ins, failures and lockouts are recorded as security events",
        ),
        Audited("user_roles", _USER),
        Audited(
            "user_sessions",
            _USER,
            redacted=("token_hash", "pending_totp_secret_encrypted"),
            bookkeeping=("last_seen_at", "failed_attempts"),
            why="a session's last-seen time moves on every request; failed codes are"
            " recorded as security events",
        ),
        Audited("recovery_codes", _USER, redacted=("code_hash",)),
        Audited("invitations", _USER, redacted=("token_hash",)),
        Audited(
            "api_tokens",
            _USER,
            redacted=("token_hash",),
            bookkeeping=("last_used_at",),
            why="a token's last use moves on every API call",
        ),
    ),
    exempt=(
        Exempt("alembic_version", "the migration tool's own bookkeeping of the schema version"),
    ),
)


# --- Who is acting --------------------------------------------------------------------


def identify(user, *, kind: str = "user", label: str | None = None) -> None:
    """Record the following changes of this request as made by ``user``."""
    # The principal is set next (portal.tenancy.act_as), which tells the open transaction.
    audit_context.bind(
        notify=False,
        actor_id=user.id,
        actor_kind=kind,
        actor_label=label or user.email,
        actor_tenant_id=user.tenant_id,
    )


def act_from_command_line(command: str) -> None:
    """Record the following changes as made by the system, run from the command line."""
    try:
        account = getpass.getuser()
    except (KeyError, OSError):
        account = "unknown"
    audit_context.bind(actor_kind="system", actor_label=f"{account}: iisg {command}"[:200])


def _tell_open_transaction() -> None:
    # PostgreSQL learns the context at each transaction's start; one already open is
    # told again, so a change of actor or reason part-way through is not lost.
    if not has_app_context():
        return
    from portal.extensions import db
    from portal.rls import apply_identity
    from portal.tenancy import current_principal

    session = db.session()
    if session.in_transaction() and session.get_bind().dialect.name == "postgresql":
        apply_identity(session.connection(), current_principal())


audit_context.on_change(_tell_open_transaction)


def _begin_request() -> None:
    audit_context.clear()
    audit_context.bind(
        notify=False,
        actor_kind="system",
        actor_label="anonymous request",
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
    from portal.audit_trail import seal_after_request

    try:
        seal_after_request()
    except SQLAlchemyError:
        # Sealing later is harmless; failing the user's request because of it is not.
        log.warning("audit_seal_deferred", exc_info=True)
    return response


def register_auditing(app: Flask) -> None:
    """Give every request its audit context, seal after writes, honour strict mode."""
    audit_context.set_strict(bool(app.config.get("AUDIT_STRICT")))
    app.before_request(_begin_request)
    if app.config.get("AUDIT_SEAL_AFTER_REQUESTS", True):
        app.after_request(_seal_after_request)
    app.teardown_request(lambda _error: audit_context.clear())


# --- SQLite connections ---------------------------------------------------------------


@event.listens_for(Engine, "connect")
def _register_sqlite_functions(dbapi_connection, connection_record) -> None:
    # Without these functions SQLite's capture triggers fail, so a connection that is
    # not the application's cannot write an audited table at all.
    if isinstance(dbapi_connection, sqlite3.Connection):
        connection_record.info["audit"] = audit_context.register_sqlite_functions(dbapi_connection)


@event.listens_for(Engine, "begin")
def _start_sqlite_transaction(connection) -> None:
    state = connection.info.get("audit")
    if state is not None:
        state.end_transaction()


# --- Security events ------------------------------------------------------------------

_EVENT_SQLITE = text(
    "INSERT INTO audit_entries (tenant_id, transaction_id, recorded_at, operation, new_row,"
    " event, actor_id, actor_kind, actor_label, actor_tenant_id, request_id, client_address,"
    " reason) VALUES (:tenant, audit_transaction_id(), audit_now(), 'E', :details, :event,"
    " audit_context('actor_id'), audit_context('actor_kind'), audit_context('actor_label'),"
    " audit_context('actor_tenant_id'), audit_context('request_id'),"
    " audit_context('client_address'), audit_context('reason'))"
)
_EVENT_POSTGRES = text("SELECT audit_record_event(:event, :tenant, CAST(:details AS jsonb))")


def record_event(session, name: str, tenant_id: int | None, details: dict) -> None:
    """Write one security event into the trail, in the session's transaction."""
    parameters = {
        "event": name,
        "tenant": tenant_id,
        "details": json.dumps(details, default=str, sort_keys=True),
    }
    dialect = session.get_bind().dialect.name
    session.execute(_EVENT_POSTGRES if dialect == "postgresql" else _EVENT_SQLITE, parameters)
    written()


def tenant_of_user(session, user_id: int | None) -> int | None:
    """Return the tenant of the user an event concerns (None when there is none)."""
    if user_id is None:
        return None
    from portal.models import User

    return session.scalar(select(User.tenant_id).where(User.id == user_id))
