"""Server-side sessions: started at the password step, completed by the second factor."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from portal.extensions import db
from portal.models import UserSession
from portal.models.base import utc_now

# last_seen_at is written at most once a minute: enough for the idle timeout and the
# session list, without a write on every request.
TOUCH_INTERVAL = timedelta(seconds=60)


def token_digest(token: str) -> str:
    """Return the stored form of a session token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _seconds(name: str) -> timedelta:
    return timedelta(seconds=current_app.config[name])


def start(user_id: int, ip_address: str, user_agent: str) -> tuple[UserSession, str]:
    """Open a half-complete session for a user whose password was right; return its token."""
    token = secrets.token_urlsafe(32)
    row = UserSession(
        token_hash=token_digest(token),
        user_id=user_id,
        ip_address=ip_address[:45],
        user_agent=user_agent[:300],
    )
    db.session.add(row)
    db.session.flush()
    return row, token


def find(token: str | None) -> UserSession | None:
    """Return the unrevoked session a token belongs to, whatever its stage."""
    if not token or not isinstance(token, str):
        return None
    row = db.session.scalar(
        select(UserSession).where(UserSession.token_hash == token_digest(token))
    )
    if row is None or row.revoked_at is not None:
        return None
    return row


def pending(token: str | None) -> UserSession | None:
    """Return the half-complete session for the second step, if it is still usable."""
    row = find(token)
    if row is None or row.complete:
        return None
    expired = utc_now() - row.created_at > _seconds("PENDING_LOGIN_SECONDS")
    exhausted = row.failed_attempts >= current_app.config["PENDING_LOGIN_ATTEMPTS"]
    if expired or exhausted:
        revoke(row, "half_login_expired" if expired else "too_many_codes")
        db.session.commit()
        return None
    return row


def authenticated(token: str | None) -> UserSession | None:
    """Return the complete, live session for a token; end it if it has timed out."""
    row = find(token)
    if row is None or not row.complete:
        return None
    now = utc_now()
    reason = None
    if now - row.last_seen_at > _seconds("SESSION_IDLE_SECONDS"):
        reason = "idle_timeout"
    elif now - row.created_at > _seconds("SESSION_ABSOLUTE_SECONDS"):
        reason = "absolute_timeout"
    elif not row.user.active:
        reason = "user_disabled"
    elif not row.user.tenant.active:
        reason = "tenant_disabled"
    if reason:
        revoke(row, reason)
        db.session.commit()
        return None
    if now - row.last_seen_at > TOUCH_INTERVAL:
        row.last_seen_at = now
        db.session.commit()
    return row


def complete(row: UserSession, method: str) -> None:
    """Mark both factors proved in this session."""
    now = utc_now()
    row.second_factor_at = now
    row.second_factor_method = method
    row.reauthenticated_at = now
    row.last_seen_at = now
    row.pending_totp_secret_encrypted = None


def rotate(row: UserSession) -> str:
    """Give the session a new token, so any token seen before this point is worthless."""
    token = secrets.token_urlsafe(32)
    row.token_hash = token_digest(token)
    return token


def recently_authenticated(row: UserSession) -> bool:
    """Return whether both factors were proved in this session within the last minutes."""
    proved = row.reauthenticated_at
    return proved is not None and utc_now() - proved <= _seconds("REAUTHENTICATION_SECONDS")


def revoke(row: UserSession, reason: str) -> None:
    """End one session; its cookie stops working at once."""
    if row.revoked_at is None:
        row.revoked_at = utc_now()
        row.revoked_reason = reason


def revoke_all(user_id: int, reason: str, keep_id: int | None = None) -> int:
    """End every live session of a user (but ``keep_id``); return how many ended."""
    statement = (
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utc_now(), revoked_reason=reason)
    )
    if keep_id is not None:
        statement = statement.where(UserSession.id != keep_id)
    return db.session.execute(statement).rowcount


def live_sessions(user_id: int) -> list[UserSession]:
    """Return the user's complete, unrevoked sessions, newest first."""
    cutoff: datetime = utc_now() - _seconds("SESSION_ABSOLUTE_SECONDS")
    return list(
        db.session.scalars(
            select(UserSession)
            .where(
                UserSession.user_id == user_id,
                UserSession.revoked_at.is_(None),
                UserSession.second_factor_at.is_not(None),
                UserSession.created_at > cutoff,
            )
            .order_by(UserSession.last_seen_at.desc())
        )
    )
