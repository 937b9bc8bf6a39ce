"""Signing in: the password step, the second factor, enrolment, lockout and re-authentication.

Refusals of the password step are identical whatever the cause (unknown address, wrong
password, disabled or locked account), so the answer tells an attacker nothing.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import case, delete, or_, select, update

from portal.authz import can_manage_own_account, require
from portal.exceptions import Conflict, DomainError
from portal.extensions import db
from portal.identity import current_principal
from portal.models import RecoveryCode, User, UserSession
from portal.models.base import utc_now
from portal.security import recovery_codes, totp
from portal.security.passwords import (
    hash_password,
    needs_rehash,
    spend_verification_time,
    verify_password,
)
from portal.services import security_events, sessions

SIGN_IN_REFUSED = (
    "The email address or password is not right, or this account cannot sign in at the "
    "moment. Check them and try again; after repeated failures the account is locked "
    "for a while."
)


class SignInRefused(DomainError):
    """The sign-in cannot go on; the message says nothing about why."""

    status = 401
    code = "sign_in_refused"

    def __init__(self, message: str = SIGN_IN_REFUSED):
        super().__init__(message)


class CodeRefused(DomainError):
    """A second-factor code was wrong or already used; the user may try again."""

    status = 401
    code = "code_refused"


def _find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def _locked(user: User) -> bool:
    return user.locked_until is not None and user.locked_until > utc_now()


def _register_failure(user_id: int) -> None:
    """Count one failed factor against the account, locking it after too many."""
    config = current_app.config
    now = utc_now()
    window_start = now - timedelta(seconds=config["LOCKOUT_WINDOW_SECONDS"])
    window_over = or_(
        User.failure_window_started_at.is_(None), User.failure_window_started_at < window_start
    )
    # One UPDATE, so concurrent failures are all counted.
    db.session.execute(
        update(User)
        .where(User.id == user_id)
        .values(
            failed_login_count=case((window_over, 1), else_=User.failed_login_count + 1),
            failure_window_started_at=case(
                (window_over, now), else_=User.failure_window_started_at
            ),
        )
    )
    user = db.session.get(User, user_id)
    db.session.refresh(user)
    if user.failed_login_count >= config["LOCKOUT_FAILURES"]:
        # Each lockout in a row lasts twice as long as the one before, up to a ceiling.
        user.lockout_count += 1
        delay = min(
            config["LOCKOUT_BASE_SECONDS"] * 2 ** (user.lockout_count - 1),
            config["LOCKOUT_MAX_SECONDS"],
        )
        user.locked_until = now + timedelta(seconds=delay)
        user.failed_login_count = 0
        user.failure_window_started_at = None
        security_events.record("account_locked", user_id=user.id, seconds=delay)


def _reset_failures(user: User) -> None:
    user.failed_login_count = 0
    user.failure_window_started_at = None
    user.lockout_count = 0
    user.locked_until = None


def password_step(
    email: str, password: str, ip_address: str, user_agent: str
) -> tuple[UserSession, str]:
    """Check email and password; open a half-complete session and return its token."""
    user = _find_user(email)
    if user is None or user.password_hash is None:
        # Spend the time a real check takes, so timing does not reveal unknown addresses.
        spend_verification_time(password)
        security_events.record("login_failed", reason="unknown_user", ip_address=ip_address)
        db.session.commit()
        raise SignInRefused()
    password_right = verify_password(user.password_hash, password)
    if _locked(user):
        security_events.record("login_failed", user_id=user.id, reason="locked")
        db.session.commit()
        raise SignInRefused()
    if not password_right:
        _register_failure(user.id)
        security_events.record("login_failed", user_id=user.id, reason="wrong_password")
        db.session.commit()
        raise SignInRefused()
    if not user.active or not user.tenant.active:
        security_events.record("login_failed", user_id=user.id, reason="disabled")
        db.session.commit()
        raise SignInRefused()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    row, token = sessions.start(user.id, ip_address, user_agent)
    security_events.record("password_accepted", user_id=user.id, session_id=row.id)
    db.session.commit()
    return row, token


def _second_factor_failure(row: UserSession, event: str, message: str) -> CodeRefused:
    row.failed_attempts += 1
    _register_failure(row.user_id)
    security_events.record(event, user_id=row.user_id, session_id=row.id)
    db.session.commit()
    return CodeRefused(message)


def _succeed(row: UserSession, method: str) -> str:
    """Complete the sign-in and return the session's new token."""
    user = row.user
    sessions.complete(row, method)
    token = sessions.rotate(row)
    _reset_failures(user)
    user.last_login_at = utc_now()
    security_events.record("login_succeeded", user_id=user.id, session_id=row.id, method=method)
    db.session.commit()
    return token


def _refuse_if_locked(row: UserSession) -> None:
    if _locked(row.user) or not row.user.active or not row.user.tenant.active:
        sessions.revoke(row, "locked_or_disabled")
        db.session.commit()
        raise SignInRefused()


def _secret(user: User) -> str:
    return totp.decrypt_secret(
        current_app.config["ENCRYPTION_KEY"], user.id, user.totp_secret_encrypted
    )


def _claim_time_step(user_id: int, step: int) -> bool:
    """Record ``step`` as used unless it (or a later one) already was: exactly one wins."""
    result = db.session.execute(
        update(User)
        .where(
            User.id == user_id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def totp_step(row: UserSession, code: str) -> str:
    """Check the authenticator code of a half-complete session; return the new token."""
    _refuse_if_locked(row)
    step = totp.matching_step(_secret(row.user), code)
    if step is None:
        raise _second_factor_failure(
            row, "second_factor_failed", "That code is not right. Enter the current code."
        )
    if not _claim_time_step(row.user_id, step):
        raise _second_factor_failure(
            row, "totp_replayed", "That code has already been used. Wait for the next one."
        )
    return _succeed(row, "totp")


def recovery_step(row: UserSession, code: str) -> str:
    """Accept an unused recovery code in place of the authenticator; return the new token."""
    _refuse_if_locked(row)
    wanted = recovery_codes.normalise(code)
    unused = db.session.scalars(
        select(RecoveryCode).where(
            RecoveryCode.user_id == row.user_id, RecoveryCode.used_at.is_(None)
        )
    ).all()
    match = next((stored for stored in unused if verify_password(stored.code_hash, wanted)), None)
    now = utc_now()
    claimed = (
        match is not None
        and db.session.execute(
            update(RecoveryCode)
            .where(RecoveryCode.id == match.id, RecoveryCode.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )
    if not claimed:
        raise _second_factor_failure(
            row, "recovery_code_failed", "That recovery code is not right or was already used."
        )
    row.user.recovery_code_used_at = now
    security_events.record(
        "recovery_code_used", user_id=row.user_id, remaining=len(unused) - 1, session_id=row.id
    )
    return _succeed(row, "recovery_code")


def enrolment_secret(row: UserSession) -> str:
    """Return the secret being enrolled in this session, creating it the first time."""
    if not row.complete and row.user.enrolled:
        # With only the password, nobody may replace an existing authenticator.
        raise Conflict("This account already has an authenticator app.")
    key = current_app.config["ENCRYPTION_KEY"]
    if row.pending_totp_secret_encrypted is not None:
        return totp.decrypt_secret(key, row.user_id, row.pending_totp_secret_encrypted)
    secret = totp.new_secret()
    row.pending_totp_secret_encrypted = totp.encrypt_secret(key, row.user_id, secret)
    db.session.commit()
    return secret


def confirm_enrolment(row: UserSession, code: str) -> tuple[list[str], str | None]:
    """Save the pending secret once a code from it is right; return new recovery codes.

    At first sign-in this also completes the session, and the new token is returned.
    """
    secret = enrolment_secret(row)
    step = totp.matching_step(secret, code)
    if step is None:
        raise _second_factor_failure(
            row, "second_factor_failed", "That code is not right. Enter the current code."
        )
    user = row.user
    user.totp_secret_encrypted = totp.encrypt_secret(
        current_app.config["ENCRYPTION_KEY"], user.id, secret
    )
    user.totp_enrolled_at = utc_now()
    user.totp_last_step = step
    row.pending_totp_secret_encrypted = None
    codes = _replace_recovery_codes(user)
    security_events.record("totp_enrolled", user_id=user.id, session_id=row.id)
    token = None if row.complete else _succeed(row, "totp")
    db.session.commit()
    return codes, token


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = recovery_codes.new_codes()
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=hash_password(recovery_codes.normalise(code)))
        for code in codes
    )
    return codes


def regenerate_recovery_codes(row: UserSession) -> list[str]:
    """Replace the user's recovery codes; the old ones stop working."""
    require(can_manage_own_account, current_principal(), row.user)
    require_recent_authentication(row)
    codes = _replace_recovery_codes(row.user)
    security_events.record("recovery_codes_regenerated", user_id=row.user_id, session_id=row.id)
    db.session.commit()
    return codes


class ReauthenticationRequired(DomainError):
    """The action needs both factors proved again within the last minutes."""

    status = 401
    code = "reauthentication_required"


def require_recent_authentication(row: UserSession) -> None:
    """Refuse unless both factors were proved in this session within the last minutes."""
    if not sessions.recently_authenticated(row):
        raise ReauthenticationRequired("Confirm your password and code to continue.")


def reauthenticate(row: UserSession, password: str, code: str) -> None:
    """Prove both factors again inside a live session."""
    user = row.user
    if _locked(user) or not verify_password(user.password_hash or "", password):
        _register_failure(user.id)
        security_events.record("login_failed", user_id=user.id, reason="reauthentication")
        db.session.commit()
        raise CodeRefused("The password or the code is not right.")
    step = totp.matching_step(_secret(user), code)
    if step is None or not _claim_time_step(user.id, step):
        raise _second_factor_failure(
            row, "second_factor_failed", "The password or the code is not right."
        )
    row.reauthenticated_at = utc_now()
    db.session.commit()


ACCOUNT_LOCKED = (
    "After repeated wrong passwords the account is locked for a while. Try again later."
)


def current_password_refusal(row: UserSession, password: str, reason: str) -> str | None:
    """Check the signed-in user's password again; say why it is refused, counting a failure.

    A wrong password counts towards the lockout as a failed sign-in does, so a session
    left open cannot be used to guess the password without limit.
    """
    require(can_manage_own_account, current_principal(), row.user)
    user = row.user
    if _locked(user):
        security_events.record("login_failed", user_id=user.id, reason="locked", session_id=row.id)
        db.session.commit()
        return ACCOUNT_LOCKED
    if not verify_password(user.password_hash or "", password):
        _register_failure(user.id)
        security_events.record("login_failed", user_id=user.id, reason=reason, session_id=row.id)
        db.session.commit()
        return ACCOUNT_LOCKED if _locked(user) else "This is not your password."
    return None


def logout(row: UserSession) -> None:
    """End the session server-side."""
    sessions.revoke(row, "logout")
    security_events.record("logout", user_id=row.user_id, session_id=row.id)
    db.session.commit()


def acknowledge_recovery_code_use(user: User) -> None:
    """Forget that a recovery code was used, once the user has been told."""
    user.recovery_code_used_at = None
    db.session.commit()
