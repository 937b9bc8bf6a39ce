"""API tokens: created for one user, shown once, stored as a digest, expiring, revocable."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.authz import can_manage_api_tokens, require
from portal.exceptions import NotFound
from portal.extensions import db
from portal.identity import current_principal
from portal.models import ApiToken, User, UserSession
from portal.models.base import utc_now
from portal.services import security_events
from portal.services.authentication import require_recent_authentication
from portal.services.sessions import TOUCH_INTERVAL, token_digest

TOKEN_PREFIX = "iisg_"


def create(user: User, data: dict, session_row: UserSession | None = None) -> tuple[ApiToken, str]:
    """Create a token for ``user``; return it and its secret text, which is never shown again.

    From the browser this needs a recent sign-in (``session_row``); an operator at the
    command line passes none.
    """
    require(can_manage_api_tokens, current_principal(), user)
    if session_row is not None:
        require_recent_authentication(session_row)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=data["name"].strip(),
        token_hash=token_digest(secret),
        prefix=secret[:12],
        expires_at=utc_now() + timedelta(days=data["days"]),
        scope=data["scope"],
    )
    db.session.add(token)
    db.session.flush()
    security_events.record(
        "api_token_created", user_id=user.id, token_id=token.id, scope=token.scope
    )
    db.session.commit()
    return token, secret


def tokens_of(user: User) -> list[ApiToken]:
    """Return the user's tokens that are neither revoked nor expired, newest first."""
    require(can_manage_api_tokens, current_principal(), user)
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(
                ApiToken.user_id == user.id,
                ApiToken.revoked_at.is_(None),
                ApiToken.expires_at > utc_now(),
            )
            .order_by(ApiToken.created_at.desc())
        )
    )


def own_token(user: User, token_id: int) -> ApiToken:
    """Return one of the user's unrevoked tokens; another user's token is simply not found."""
    require(can_manage_api_tokens, current_principal(), user)
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        raise NotFound("There is no such token.")
    return token


def revoke(user: User, token_id: int) -> None:
    """Revoke one of the user's tokens; another user's token is simply not found."""
    token = own_token(user, token_id)
    token.revoked_at = utc_now()
    security_events.record("api_token_revoked", user_id=user.id, token_id=token.id)
    db.session.commit()


def authenticate(secret: str) -> ApiToken | None:
    """Return the live token for a bearer secret, noting its use; None if it is not live."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    # The user, its organisation and its roles come with the token: every call needs them.
    token = db.session.scalar(
        select(ApiToken)
        .where(ApiToken.token_hash == token_digest(secret))
        .options(
            joinedload(ApiToken.user).joinedload(User.tenant),
            joinedload(ApiToken.user).selectinload(User.role_grants),
        )
    )
    now = utc_now()
    if (
        token is None
        or token.revoked_at is not None
        or token.expires_at <= now
        or not token.user.active
        or not token.user.tenant.active
    ):
        return None
    if token.last_used_at is None or now - token.last_used_at > TOUCH_INTERVAL:
        token.last_used_at = now
        db.session.commit()
    return token
