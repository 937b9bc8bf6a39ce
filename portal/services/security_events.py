"""Security events: sign-ins, failures, replays, lockouts and the like.

They are written to the structured log now; the audit trail records them too once it
exists, through this one function.
"""

from __future__ import annotations

import structlog

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
    }
)


def record(event: str, *, user_id: int | None = None, **details) -> None:
    """Record one security event with who it concerns and its circumstances."""
    if event not in EVENTS:
        raise ValueError(f"unknown security event {event!r}")
    log.info("security_event", security_event=event, subject_user_id=user_id, **details)
