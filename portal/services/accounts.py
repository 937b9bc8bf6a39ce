"""A signed-in user's own account: password and the sessions they hold."""

from __future__ import annotations

from portal.authz import can_manage_own_account, require
from portal.exceptions import NotFound, ValidationFailed
from portal.extensions import db
from portal.identity import current_principal
from portal.models import User, UserSession
from portal.models.base import utc_now
from portal.security.passwords import PasswordRejected, check_policy, hash_password
from portal.services import security_events, sessions
from portal.services.authentication import (
    current_password_refusal,
    require_recent_authentication,
)


def own_account(row: UserSession) -> User:
    """Return the user of ``row``, for pages that show or change their own account."""
    require(can_manage_own_account, current_principal(), row.user)
    return row.user


def live_sessions(row: UserSession) -> list[UserSession]:
    """Return the live sessions of the user of ``row``, the most recently used first."""
    require(can_manage_own_account, current_principal(), row.user)
    return sessions.live_sessions(row.user_id)


def change_password(row: UserSession, current_password: str, new_password: str) -> None:
    """Replace the password after checking the current one; end the user's other sessions."""
    require(can_manage_own_account, current_principal(), row.user)
    require_recent_authentication(row)
    user = row.user
    refusal = current_password_refusal(row, current_password, "password_change")
    if refusal is not None:
        raise ValidationFailed("The password was not changed.", {"current_password": refusal})
    try:
        normalised = check_policy(new_password, email=user.email, tenant_code=user.tenant.code)
    except PasswordRejected as rejected:
        raise ValidationFailed(
            "The password was not changed.", {"password": rejected.reason}
        ) from None
    user.password_hash = hash_password(normalised)
    user.password_changed_at = utc_now()
    ended = sessions.revoke_all(user.id, "password_changed", keep_id=row.id)
    security_events.record("password_changed", user_id=user.id, other_sessions_ended=ended)
    db.session.commit()


def own_session(row: UserSession, session_id: int) -> UserSession:
    """Return one of the user's live sessions; another user's session is simply not found."""
    require(can_manage_own_account, current_principal(), row.user)
    target = db.session.get(UserSession, session_id)
    if target is None or target.user_id != row.user_id or target.revoked_at is not None:
        raise NotFound("There is no such session.")
    return target


def end_session(row: UserSession, session_id: int) -> None:
    """End one of the user's own sessions; another user's session is simply not found."""
    target = own_session(row, session_id)
    sessions.revoke(target, "ended_by_user")
    security_events.record("session_ended", user_id=row.user_id, session_id=target.id)
    db.session.commit()
