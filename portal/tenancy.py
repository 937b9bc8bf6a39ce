"""The current principal, and the ONE place where visibility (DESIGN §4) becomes SQL.

Every ORM statement made while a principal is set - SELECT, UPDATE and DELETE, lazy
loads included - gets the visibility criteria of each tenant-scoped entity it touches,
through ``do_orm_execute`` and ``with_loader_criteria``. Views and services never filter
by tenant themselves; an object the principal may not see is simply not found.

Outside a signed-in request (sign-in itself, the command line) there is no principal and
the system acts unscoped.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache

from flask import current_app, has_app_context
from sqlalchemy import event, false, or_, select, true
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from portal.errors import NotFound
from portal.extensions import db
from portal.models import (
    ApiToken,
    AuditEntry,
    ChainLink,
    Checkpoint,
    Invitation,
    Need,
    RecoveryCode,
    Response,
    ResponseParty,
    SupportLink,
    User,
    UserRole,
    UserSession,
    response_beneficiaries,
)

# Statuses of a need that tenants other than its owner may read.
SHARED_NEED_STATUSES = ("validated", "adopted")
# The Secretariat reads every need its owner has sent it, whatever became of it.
SECRETARIAT_NEED_STATUSES = ("submitted", "returned", "withdrawn", "validated", "adopted")


@dataclass(frozen=True)
class Principal:
    """Who is acting: a user of a tenant, with roles."""

    user_id: int
    tenant_id: int
    tenant_kind: str
    economy_id: int | None
    roles: frozenset[str]

    @classmethod
    def of(cls, user: User) -> Principal:
        """Return the principal acting as ``user``."""
        return cls(
            user_id=user.id,
            tenant_id=user.tenant_id,
            tenant_kind=user.tenant.kind,
            economy_id=user.tenant.economy_id,
            roles=user.roles,
        )

    @property
    def in_secretariat(self) -> bool:
        return self.tenant_kind == "secretariat"

    def has(self, role: str) -> bool:
        """Return whether the principal holds ``role``."""
        return role in self.roles


_principal: ContextVar[Principal | None] = ContextVar("principal", default=None)
# Tests switch the application layer off to prove row-level security holds alone.
_scoping_enabled: ContextVar[bool] = ContextVar("scoping_enabled", default=True)


def current_principal() -> Principal | None:
    """Return the principal of the current request, or None for the system."""
    return _principal.get()


def act_as(principal: Principal | None) -> None:
    """Make ``principal`` the one every following query is scoped to (None: the system)."""
    _principal.set(principal)
    session = db.session()
    if session.in_transaction():
        # A transaction already open (the sign-in lookup's) must not go on as the system.
        from portal.rls import apply_identity

        apply_identity(session.connection(), principal)


def forget_principal() -> None:
    """Drop the principal at the end of a request, without touching the database."""
    _principal.set(None)


def set_application_scoping(enabled: bool) -> None:
    """Switch the application layer of tenancy on or off (for tests of the database layer)."""
    _scoping_enabled.set(enabled)


def _need_readable(principal: Principal, tenant_id, status):
    statuses = SECRETARIAT_NEED_STATUSES if principal.in_secretariat else SHARED_NEED_STATUSES
    return or_(tenant_id == principal.tenant_id, status.in_(statuses))


def _response_readable(principal: Principal, tenant_id, record_status, visibility, response_id):
    own = tenant_id == principal.tenant_id
    if principal.in_secretariat:
        return or_(own, record_status == "published")
    beneficiary = (
        response_id.in_(
            select(response_beneficiaries.c.response_id).where(
                response_beneficiaries.c.economy_id == principal.economy_id
            )
        )
        if principal.economy_id is not None
        else false()
    )
    shared = (record_status == "published") & ((visibility == "members") | beneficiary)
    return or_(own, shared)


def need_visible(principal: Principal, need=Need):
    """Return SQL true for the needs ``principal`` may read (``need``: the entity or an alias)."""
    return _need_readable(principal, need.tenant_id, need.status)


def response_visible(principal: Principal, response=Response):
    """Return SQL true for the responses ``principal`` may read (the entity or an alias)."""
    return _response_readable(
        principal, response.tenant_id, response.record_status, response.visibility, response.id
    )


def link_visible(principal: Principal):
    """Return SQL true for the support links ``principal`` may read: both ends readable.

    Asked of the copies each link keeps of its ends' columns (``portal.link_ends``), so
    the test is one of the link's own row: no lookup of either end.
    """
    need = _need_readable(principal, SupportLink.need_tenant_id, SupportLink.need_status)
    response = _response_readable(
        principal,
        SupportLink.response_tenant_id,
        SupportLink.response_record_status,
        SupportLink.response_visibility,
        SupportLink.response_id,
    )
    return need & response


def users_visible(principal: Principal):
    """Return SQL true for the users ``principal`` may read: self, own tenant, or all."""
    if principal.has("admin"):
        return true()
    if principal.has("tenant_admin"):
        return User.tenant_id == principal.tenant_id
    return User.id == principal.user_id


def audited_tenant_visible(principal: Principal, column):
    """Return SQL true for the trail's rows ``principal`` may read: auditors only, and
    outside the Secretariat only their own tenant's."""
    if not principal.has("auditor"):
        return false()
    if principal.in_secretariat:
        return true()
    return column == principal.tenant_id


def _visible_user_ids(principal: Principal):
    return select(User.id).where(users_visible(principal))


# Built once per principal and reused: the criteria are plain SQL expressions with the
# principal's ids as bound values, and building them (aliases, subqueries) on every
# statement cost more than half of a light page's time in the application.
@lru_cache(maxsize=256)
def _criteria(principal: Principal) -> tuple:
    visible_responses = select(Response.id).where(response_visible(principal))
    user_ids = _visible_user_ids(principal)
    return (
        with_loader_criteria(Need, need_visible(principal), include_aliases=True),
        with_loader_criteria(Response, response_visible(principal), include_aliases=True),
        with_loader_criteria(SupportLink, link_visible(principal), include_aliases=True),
        with_loader_criteria(
            ResponseParty, ResponseParty.response_id.in_(visible_responses), include_aliases=True
        ),
        with_loader_criteria(User, users_visible(principal), include_aliases=True),
        with_loader_criteria(UserRole, UserRole.user_id.in_(user_ids), include_aliases=True),
        *(
            with_loader_criteria(model, model.user_id.in_(user_ids), include_aliases=True)
            for model in (UserSession, RecoveryCode, Invitation, ApiToken)
        ),
        with_loader_criteria(
            AuditEntry,
            audited_tenant_visible(principal, AuditEntry.tenant_id),
            include_aliases=True,
        ),
        *(
            with_loader_criteria(
                model, audited_tenant_visible(principal, model.chain_id), include_aliases=True
            )
            for model in (ChainLink, Checkpoint)
        ),
    )


@event.listens_for(Session, "do_orm_execute")
def _scope_to_principal(state: ORMExecuteState) -> None:
    principal = _principal.get()
    if principal is None or not _scoping_enabled.get():
        return
    if has_app_context() and not current_app.config.get("TENANCY_APPLICATION_LAYER", True):
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    # Refreshing the columns of an object already loaded adds nothing to what is seen.
    if state.is_column_load:
        return
    state.statement = state.statement.options(*_criteria(principal))


def get_visible(model, object_id) -> object:
    """Return the object of ``model`` with ``object_id`` if the principal may see it.

    An object of another tenant, a deleted one and a non-existent one are all simply
    not found (404): the answer does not reveal which.
    """
    try:
        key = int(object_id)
    except (TypeError, ValueError):
        raise NotFound("There is no such record.") from None
    if not 0 < key < 2**31:
        # Ids are positive 32-bit integers; a number beyond them is not an id of anything
        # (and PostgreSQL and SQLite would refuse to compare it).
        raise NotFound("There is no such record.")
    found = db.session.scalar(
        select(model).where(model.id == key).execution_options(populate_existing=True)
    )
    if found is None:
        raise NotFound("There is no such record.")
    return found
