"""Policies: may this principal do this to that? ``require`` turns a "no" into Forbidden.

A principal of None is the system itself (the command line run by an operator).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from portal.errors import Forbidden
from portal.models import Tenant, User


def can_invite_user(principal: User | None, tenant: Tenant, roles: Iterable[str]) -> bool:
    """Return whether the principal may create a user of ``tenant`` holding ``roles``."""
    if principal is None:
        return True
    if "admin" in principal.roles:
        return True
    return (
        "tenant_admin" in principal.roles
        and principal.tenant_id == tenant.id
        and set(roles) <= principal.roles
    )


def can_manage_user(principal: User | None, user: User) -> bool:
    """Return whether the principal may disable, enable or reset the factors of ``user``."""
    if principal is None or "admin" in principal.roles:
        return True
    return "tenant_admin" in principal.roles and principal.tenant_id == user.tenant_id


def require(policy: Callable[..., bool], *arguments) -> None:
    """Raise Forbidden unless ``policy(*arguments)`` allows the action."""
    if not policy(*arguments):
        raise Forbidden("You may not do this.")
