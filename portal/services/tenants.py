"""Tenants: the organisations of the portal, managed by Secretariat administrators."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from portal.authz import can_manage_tenants, can_open_administration, require
from portal.exceptions import Conflict, NotFound, ValidationFailed
from portal.extensions import db
from portal.identity import current_principal
from portal.limits import quoted
from portal.models import PartnerEconomy, Tenant, User
from portal.pagination import Page, contains, ordering, paginate
from portal.services import security_events, sessions

# What the API's list sorts by (a leading "-": descending).
SORT_COLUMNS = {
    "id": Tenant.id,
    "code": Tenant.code,
    "name": Tenant.name,
    "kind": Tenant.kind,
    "created_at": Tenant.created_at,
}
SORTABLE = tuple(SORT_COLUMNS)


def _refused(field: str, reason: str) -> ValidationFailed:
    return ValidationFailed("The organisation was not saved.", {field: reason})


def create_tenant(data: dict) -> Tenant:
    """Create an organisation: a partner (for one economy), a member, or the Secretariat."""
    require(can_manage_tenants, current_principal())
    economy = None
    if data["kind"] == "partner":
        code = (data["economy"] or "").upper()
        economy = db.session.scalar(select(PartnerEconomy).where(PartnerEconomy.code == code))
        if economy is None:
            raise _refused("economy", "A partner needs its economy: AL, BA, XK, ME, MK, RS or REG.")
    elif data["economy"]:
        raise _refused("economy", "Only partner organisations represent an economy.")
    if db.session.scalar(select(Tenant.id).where(Tenant.code == data["code"])) is not None:
        raise _refused("code", f"The code {quoted(data['code'])} is already used.")
    if data["kind"] == "secretariat" and db.session.scalar(
        select(Tenant.id).where(Tenant.kind == "secretariat")
    ):
        raise _refused("kind", "There is already a Secretariat; there can be only one.")
    tenant = Tenant(
        code=data["code"], name=data["name"].strip(), kind=data["kind"], economy=economy
    )
    db.session.add(tenant)
    db.session.commit()
    return tenant


def find_tenant(code: str) -> Tenant:
    """Return the tenant with ``code``, or raise NotFound."""
    require(can_manage_tenants, current_principal())
    tenant = db.session.scalar(select(Tenant).where(Tenant.code == code.strip().upper()))
    if tenant is None:
        raise NotFound(f"No organisation has the code {quoted(code)}.")
    return tenant


def get_tenant(tenant_id) -> Tenant:
    """Return the tenant with ``tenant_id``, or raise NotFound."""
    require(can_manage_tenants, current_principal())
    try:
        tenant = db.session.get(Tenant, int(tenant_id))
    except (TypeError, ValueError):
        tenant = None
    if tenant is None:
        raise NotFound("There is no such organisation.")
    return tenant


def rename_tenant(tenant: Tenant, name: str) -> Tenant:
    """Change an organisation's name."""
    require(can_manage_tenants, current_principal())
    tenant.name = name.strip()
    db.session.commit()
    return tenant


def set_tenant_active(tenant: Tenant, active: bool) -> int:
    """(De)activate an organisation; deactivating ends its users' sessions. Return how many."""
    require(can_manage_tenants, current_principal())
    if not active and tenant.kind == "secretariat":
        raise Conflict("The Secretariat cannot be deactivated: it administers the portal.")
    tenant.active = active
    ended = 0
    if not active:
        for user_id in db.session.scalars(select(User.id).where(User.tenant_id == tenant.id)):
            ended += sessions.revoke_all(user_id, "tenant_disabled")
    security_events.record(
        "tenant_enabled" if active else "tenant_disabled", tenant=tenant.code, sessions_ended=ended
    )
    db.session.commit()
    return ended


def list_tenants(
    search: str = "",
    page: int = 1,
    per_page: int = 25,
    *,
    kind: str | None = None,
    economy: str | None = None,
    active: bool | None = None,
    sort: str | None = None,
) -> Page:
    """Return a page of organisations whose code or name contains ``search``.

    ``kind``, ``economy`` (a partner economy's code) and ``active`` narrow the list;
    ``sort`` names a column of ``SORT_COLUMNS`` (the page's order, Secretariat first and
    then by code, without one).
    """
    require(can_manage_tenants, current_principal())
    statement = select(Tenant)
    if search:
        pattern = contains(search)
        statement = statement.where(
            or_(Tenant.code.ilike(pattern, escape="\\"), Tenant.name.ilike(pattern, escape="\\"))
        )
    if kind:
        statement = statement.where(Tenant.kind == kind)
    if economy:
        found = db.session.scalar(
            select(PartnerEconomy.id).where(PartnerEconomy.code == economy.upper())
        )
        if found is None:
            problem = f"There is no economy {quoted(economy)}."
            raise ValidationFailed("Some filters need attention.", {"economy": problem})
        statement = statement.where(Tenant.economy_id == found)
    if active is not None:
        statement = statement.where(Tenant.active == active)
    if sort:
        statement = statement.order_by(*ordering(SORT_COLUMNS, {"sort": sort}, Tenant.id))
    else:
        statement = statement.order_by(Tenant.kind.desc(), Tenant.code)
    # Each row shows its economy: loaded with it, not once per partner on the page.
    return paginate(statement.options(joinedload(Tenant.economy)), page, per_page)


def partner_economies() -> list[PartnerEconomy]:
    """Return the economies a partner organisation can represent, in their order."""
    require(can_manage_tenants, current_principal())
    return list(db.session.scalars(select(PartnerEconomy).order_by(PartnerEconomy.position)))


def own_tenant() -> Tenant:
    """Return the organisation of the signed-in administrator."""
    principal = current_principal()
    require(can_open_administration, principal)
    return db.session.get(Tenant, principal.tenant_id)


def assignable_tenants(scope: Tenant | None) -> list[Tenant]:
    """Return the organisations new users may be added to: ``scope``, or every active one."""
    require(can_open_administration, current_principal())
    if scope is not None:
        return [scope]
    return list(db.session.scalars(select(Tenant).where(Tenant.active).order_by(Tenant.code)))
