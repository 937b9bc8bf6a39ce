"""Policies: may this principal do this to that? (DESIGN §4)

Each policy is named ``can_<verb>_<noun>(principal, ...)`` and answers True or False;
``require`` turns a "no" into Forbidden. Reading is not decided here: what a principal
may see is applied to every query by ``portal.tenancy``, so an invisible object is
never found in the first place (404), and these policies only judge visible ones (403).

A principal of None is the system itself: the command line run by an operator, or the
sign-in pages before anyone is signed in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from portal.errors import Forbidden
from portal.models import Tenant, User
from portal.models.user import ROLES
from portal.tenancy import Principal

# What each role may hand out: nobody grants a role above their own.
ROLE_RANK = {"viewer": 0, "auditor": 1, "editor": 1, "tenant_admin": 2, "admin": 3}


def _system(principal: Principal | None) -> bool:
    return principal is None


def _is_admin(principal: Principal | None) -> bool:
    return principal is not None and principal.has("admin") and principal.in_secretariat


def can_manage_tenants(principal: Principal | None) -> bool:
    """Return whether the principal may create, rename and (de)activate tenants."""
    return _system(principal) or _is_admin(principal)


def can_manage_reference_data(principal: Principal | None) -> bool:
    """Return whether the principal may change pillars, acquis chapters and the like."""
    return _system(principal) or _is_admin(principal)


def can_manage_cycles(principal: Principal | None) -> bool:
    """Return whether the principal may open cycles and move them through their statuses."""
    return _system(principal) or _is_admin(principal)


def can_list_users(principal: Principal | None, tenant: Tenant | None) -> bool:
    """Return whether the principal may list users (of ``tenant``, or of every tenant)."""
    if _system(principal) or _is_admin(principal):
        return True
    return principal.has("tenant_admin") and tenant is not None and tenant.id == principal.tenant_id


def can_grant_roles(principal: Principal | None, tenant: Tenant, roles: Iterable[str]) -> bool:
    """Return whether the principal may give a user of ``tenant`` exactly ``roles``."""
    roles = set(roles)
    if not roles <= set(ROLES):
        return False
    if _system(principal) or _is_admin(principal):
        return True
    if not principal.has("tenant_admin") or tenant.id != principal.tenant_id:
        return False
    return _rank(roles) <= _rank(principal.roles) and "admin" not in roles


def can_invite_user(principal: Principal | None, tenant: Tenant, roles: Iterable[str]) -> bool:
    """Return whether the principal may create a user of ``tenant`` holding ``roles``."""
    return can_grant_roles(principal, tenant, roles)


def _rank(roles: Iterable[str]) -> int:
    return max((ROLE_RANK[role] for role in roles), default=0)


def can_manage_user(principal: Principal | None, user: User) -> bool:
    """Return whether the principal may change roles or state, or end sessions, of ``user``.

    A tenant admin manages the other users of its own tenant, but none who outranks it.
    """
    if _system(principal) or _is_admin(principal):
        return True
    return (
        principal.has("tenant_admin")
        and user.tenant_id == principal.tenant_id
        and user.id != principal.user_id
        and _rank(user.roles) <= _rank(principal.roles)
    )


def can_manage_own_account(principal: Principal | None, user: User) -> bool:
    """Return whether the principal may change ``user``'s password, factors and tokens."""
    return principal is not None and principal.user_id == user.id


def can_open_administration(principal: Principal | None) -> bool:
    """Return whether the principal may open the administration pages at all."""
    return _system(principal) or _is_admin(principal) or principal.has("tenant_admin")


def can_manage_api_tokens(principal: Principal | None, user: User) -> bool:
    """Return whether the principal may create or revoke ``user``'s API tokens."""
    return _system(principal) or can_manage_own_account(principal, user)


def can_view_overview(principal: Principal | None) -> bool:
    """Return whether the principal may see the dashboard figures (scoped to what it sees)."""
    return True


def can_view_analysis(principal: Principal | None) -> bool:
    """Return whether the principal may read the gap analysis (scoped to what it sees)."""
    return True


def require(policy: Callable[..., bool], *arguments) -> None:
    """Raise Forbidden unless ``policy(*arguments)`` allows the action."""
    if not policy(*arguments):
        raise Forbidden("You do not have permission to do this.")
