"""Builders of domain objects for tests: sensible defaults, any field overridable."""

from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    Cycle,
    Need,
    NeedCategory,
    PartnerEconomy,
    Perspective,
    Pillar,
    Response,
    Tenant,
)


def reference(model, code):
    """Return the reference row of ``model`` with ``code`` (loaded by the migration)."""
    return db.session.scalar(select(model).where(model.code == code))


def partner_tenant(code="AL-MOI", economy="AL", **fields):
    return Tenant(
        code=code,
        name=fields.pop("name", f"Ministry {code}"),
        kind="partner",
        economy=reference(PartnerEconomy, economy),
        **fields,
    )


def member_tenant(code="EC-NEAR", **fields):
    return Tenant(code=code, name=fields.pop("name", f"Member {code}"), kind="member", **fields)


def cycle(name="2026-2027", status="open", **fields):
    values = dict(name=name, starts_on=date(2026, 10, 1), ends_on=date(2027, 3, 31))
    values.update(fields)
    return Cycle(status=status, **values)


def need(cycle, tenant, pillar="WBCTi", **fields):
    values = dict(
        cycle=cycle,
        tenant=tenant,
        pillar=reference(Pillar, pillar),
        category=reference(NeedCategory, "legislative"),
        perspective=reference(Perspective, "prevention"),
        title="Align the criminal code with Directive (EU) 2017/541",
        description="Travelling for the purpose of terrorism is not yet an offence.",
    )
    values.update(fields)
    return Need(**values)


def response(tenant, pillars=("WBCTi",), **fields):
    values = dict(
        tenant=tenant,
        title="Regional training on terrorist financing investigations",
        support_type="training",
        pillars=[reference(Pillar, code) for code in pillars],
    )
    values.update(fields)
    return Response(**values)
