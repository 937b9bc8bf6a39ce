"""Users: creating and inviting them, and the administrator's levers on their sign-in."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal import mail
from portal.authz import (
    can_grant_roles,
    can_invite_user,
    can_list_users,
    can_manage_user,
    can_open_administration,
    require,
)
from portal.exceptions import Conflict, DomainError, NotFound, ValidationFailed
from portal.extensions import db
from portal.identity import Principal, current_principal
from portal.limits import quoted
from portal.models import Invitation, RecoveryCode, Tenant, User, UserRole, UserSession
from portal.models.base import utc_now
from portal.pagination import Page, contains, paginate
from portal.security.passwords import PasswordRejected, check_policy, hash_password
from portal.services import security_events, sessions
from portal.tenancy import get_visible


class InvitationInvalid(DomainError):
    """The invitation link is unknown, used, expired, or its user may not sign in."""

    status = 410
    code = "invitation_invalid"

    def __init__(self):
        super().__init__(
            "This invitation link cannot be used any more. Ask your administrator for a new one."
        )


@dataclass(frozen=True)
class CreatedUser:
    user: User
    invitation_link: str | None
    mailed: bool


def _token_digest(token: str) -> str:
    return sessions.token_digest(token)


def _policy_checked(password: str, email: str, tenant_code: str, field: str) -> str:
    try:
        return check_policy(password, email=email, tenant_code=tenant_code)
    except PasswordRejected as rejected:
        raise ValidationFailed("The password cannot be used.", {field: rejected.reason}) from None


def create_user(data: dict, *, password: str | None = None) -> CreatedUser:
    """Create a user; without a password, issue an invitation link (mailed when possible)."""
    principal = current_principal()
    # Asked before the organisation is looked up; who may be given which roles there is
    # judged once it is found.
    require(can_open_administration, principal)
    tenant = db.session.scalar(select(Tenant).where(Tenant.code == data["tenant"].upper()))
    if tenant is None:
        raise ValidationFailed(
            "The user was not created.",
            {"tenant": f"No organisation has the code {quoted(data['tenant'])}."},
        )
    roles = sorted(set(data["roles"]))
    require(can_invite_user, principal, tenant, roles)
    if "admin" in roles and tenant.kind != "secretariat":
        raise ValidationFailed(
            "The user was not created.", {"roles": "Only Secretariat users can be admin."}
        )
    email = data["email"].strip().lower()
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise ValidationFailed(
            "The user was not created.", {"email": "A user with this address already exists."}
        )
    user = User(
        email=email,
        name=data["name"] or email.split("@", 1)[0],
        tenant=tenant,
        role_grants=[UserRole(role=role) for role in roles],
    )
    if password is not None:
        user.password_hash = hash_password(
            _policy_checked(password, email, tenant.code, "password")
        )
        user.password_changed_at = utc_now()
    db.session.add(user)
    db.session.flush()
    link = None if password is not None else _invite(user, principal)
    security_events.record(
        "user_created", user_id=user.id, tenant=tenant.code, roles=roles, invited=link is not None
    )
    db.session.commit()
    mailed = link is not None and _mail_invitation(user, link)
    return CreatedUser(user=user, invitation_link=link, mailed=mailed)


def _invite(user: User, principal: Principal | None) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(
        Invitation(
            user_id=user.id,
            token_hash=_token_digest(token),
            expires_at=utc_now() + timedelta(seconds=current_app.config["INVITATION_SECONDS"]),
            created_by_id=principal.user_id if principal else None,
        )
    )
    security_events.record("user_invited", user_id=user.id, by=_actor_id(principal))
    return f"{current_app.config['BASE_URL']}/auth/invite/{token}"


def _mail_invitation(user: User, link: str) -> bool:
    hours = current_app.config["INVITATION_SECONDS"] // 3600
    body = (
        f"Dear {user.name},\n\nYou have been invited to the IISG Database for "
        f"{user.tenant.name}.\nOpen this link within {hours} hours to choose a password and "
        f"set up your authenticator app:\n\n{link}\n\nIf you did not expect this message, "
        "ignore it.\n"
    )
    return mail.send(user.email, "Your invitation to the IISG Database", body)


def find_invitation(token: str) -> Invitation:
    """Return the usable invitation for a link's token, or raise InvitationInvalid."""
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == _token_digest(token))
    )
    if (
        invitation is None
        or invitation.used_at is not None
        or invitation.expires_at <= utc_now()
        or not invitation.user.active
        or not invitation.user.tenant.active
    ):
        raise InvitationInvalid()
    return invitation


def accept_invitation(
    token: str, password: str, ip_address: str, user_agent: str
) -> tuple[UserSession, str]:
    """Set the invited user's password and open a session that goes on to enrol 2FA."""
    invitation = find_invitation(token)
    user = invitation.user
    normalised = _policy_checked(password, user.email, user.tenant.code, "password")
    user.password_hash = hash_password(normalised)
    user.password_changed_at = utc_now()
    invitation.used_at = utc_now()
    row, session_token = sessions.start(user.id, ip_address, user_agent)
    security_events.record("invitation_accepted", user_id=user.id, session_id=row.id)
    db.session.commit()
    return row, session_token


def get_user(user_id) -> User:
    """Return the user with ``user_id`` if the principal may see and list them, or 404."""
    principal = current_principal()
    require(can_open_administration, principal)
    user = get_visible(User, user_id)
    require(can_list_users, principal, user.tenant)
    return user


def get_managed_user(user_id) -> User:
    """Return the user with ``user_id`` if the principal may change them: else 404, or 403."""
    user = get_user(user_id)
    require(can_manage_user, current_principal(), user)
    return user


def find_user(email: str) -> User:
    """Return the user with this address, or raise NotFound."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"No user has the address {quoted(email)}.")
    return user


def _actor_id(principal: Principal | None) -> int | None:
    return principal.user_id if principal else None


def reset_second_factor(email: str) -> User:
    """Forget the user's authenticator and recovery codes; they enrol again at next sign-in."""
    principal = current_principal()
    # Asked before the lookup, so that only administrators learn whether an address is
    # known; whether they manage this user is judged once it is found.
    require(can_open_administration, principal)
    user = find_user(email)
    require(can_manage_user, principal, user)
    user.totp_secret_encrypted = None
    user.totp_enrolled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    sessions.revoke_all(user.id, "factor_reset")
    security_events.record("factor_reset", user_id=user.id, by=_actor_id(principal))
    db.session.commit()
    return user


def _other_active_admins(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(UserRole)
        .join(User, User.id == UserRole.user_id)
        .where(UserRole.role == "admin", User.active.is_(True), User.id != user.id)
    )


def _keep_an_admin(user: User) -> None:
    if "admin" in user.roles and _other_active_admins(user) == 0:
        raise Conflict("This is the last active administrator; appoint another one first.")


def set_active(email: str, active: bool) -> User:
    """Disable (ending every session) or re-enable a user."""
    principal = current_principal()
    # Asked before the lookup, so that only administrators learn whether an address is
    # known; whether they manage this user is judged once it is found.
    require(can_open_administration, principal)
    user = find_user(email)
    require(can_manage_user, principal, user)
    if not active:
        _keep_an_admin(user)
    user.active = active
    if not active:
        sessions.revoke_all(user.id, "user_disabled")
    security_events.record(
        "user_enabled" if active else "user_disabled",
        user_id=user.id,
        by=_actor_id(principal),
    )
    db.session.commit()
    return user


def set_roles(user: User, roles: list[str]) -> User:
    """Replace a user's roles; nobody grants above their own, and one admin always remains."""
    principal = current_principal()
    require(can_manage_user, principal, user)
    roles = sorted(set(roles))
    require(can_grant_roles, principal, user.tenant, roles)
    if "admin" in roles and user.tenant.kind != "secretariat":
        raise ValidationFailed(
            "The roles were not changed.", {"roles": "Only Secretariat users can be admin."}
        )
    if "admin" not in roles:
        _keep_an_admin(user)
    before = sorted(user.roles)
    user.role_grants = [UserRole(role=role) for role in roles]
    security_events.record(
        "roles_changed", user_id=user.id, before=before, after=roles, by=_actor_id(principal)
    )
    db.session.commit()
    return user


def end_sessions(user: User) -> int:
    """End every session of a user; return how many there were."""
    principal = current_principal()
    require(can_manage_user, principal, user)
    ended = sessions.revoke_all(user.id, "ended_by_administrator")
    security_events.record("session_ended", user_id=user.id, count=ended, by=_actor_id(principal))
    db.session.commit()
    return ended


def list_users(tenant: Tenant | None, search: str = "", page: int = 1, per_page: int = 25) -> Page:
    """Return a page of users (of ``tenant``, or of every tenant the principal may list)."""
    require(can_list_users, current_principal(), tenant)
    # Each row shows the user's organisation and roles: loaded for the whole page at once.
    statement = (
        select(User)
        .options(joinedload(User.tenant), selectinload(User.role_grants))
        .order_by(User.email)
    )
    if tenant is not None:
        statement = statement.where(User.tenant_id == tenant.id)
    if search:
        pattern = contains(search)
        statement = statement.where(
            or_(User.email.ilike(pattern, escape="\\"), User.name.ilike(pattern, escape="\\"))
        )
    return paginate(statement, page, per_page)
