"""Security events: sign-ins, failures, replays, lockouts and the like.

Each goes into the audit trail, in the transaction of the change it accompanies (the
caller commits), and into the structured log.
"""

from __future__ import annotations

import structlog

from portal import auditing
from portal.extensions import db

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
    auditing.record_event(db.session, event, auditing.tenant_of_user(db.session, user_id), recorded)
    log.info("security_event", security_event=event, subject_user_id=user_id, **details)
