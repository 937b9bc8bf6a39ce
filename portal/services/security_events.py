"""Security events: sign-ins, failures, replays, lockouts and the like.

Each goes into the audit trail, in the transaction of the change it accompanies (the
caller commits), and into the structured log.
"""

from __future__ import annotations

import json

import structlog
from sqlalchemy import select, text

from audit import triggers as audit_triggers
from portal import auditing
from portal.extensions import db
from portal.models import User

log = structlog.get_logger("portal.security")

EVENTS = frozenset(
    {
        "login_succeeded",
        "login_failed",
        "password_accepted",
        "second_factor_failed",
        "totp_replayed",
        "recovery_code_used",
        "recovery_code_failed",
        "account_locked",
        "totp_enrolled",
        "recovery_codes_regenerated",
        "password_changed",
        "logout",
        "session_ended",
        "factor_reset",
        "user_invited",
        "invitation_accepted",
        "user_disabled",
        "user_enabled",
        "user_created",
        "api_token_created",
        "tenant_enabled",
        "tenant_disabled",
        "roles_changed",
        "api_token_revoked",
        "access_denied",
        "audit_exported",
    }
)


def record(event: str, *, user_id: int | None = None, **details) -> None:
    """Record one security event with who it concerns and its circumstances."""
    if event not in EVENTS:
        raise ValueError(f"unknown security event {event!r}")
    recorded = {"user_id": user_id, **details} if user_id is not None else details
    _write_event(event, _tenant_of_user(user_id), recorded)
    log.info("security_event", security_event=event, subject_user_id=user_id, **details)


# With its MAC, through the same functions as the capture triggers.
_EVENT_SQLITE = text(audit_triggers.sqlite_event_statement())
_EVENT_POSTGRES = text("SELECT audit_record_event(:event, :tenant, CAST(:details AS jsonb))")


def _write_event(name: str, tenant_id: int | None, details: dict) -> None:
    # In the session's transaction: the event commits or rolls back with its change.
    parameters = {
        "event": name,
        "tenant": tenant_id,
        "details": json.dumps(details, default=str, sort_keys=True),
    }
    dialect = db.session.get_bind().dialect.name
    db.session.execute(_EVENT_POSTGRES if dialect == "postgresql" else _EVENT_SQLITE, parameters)
    auditing.written()


def _tenant_of_user(user_id: int | None) -> int | None:
    # The tenant whose chain the event joins: the one of the user it concerns.
    if user_id is None:
        return None
    return db.session.scalar(select(User.tenant_id).where(User.id == user_id))
