"""Figures for the dashboard, computed by the database."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from portal.authz import can_view_overview, require
from portal.extensions import db
from portal.models import Need, Pillar, Response, response_pillars
from portal.tenancy import current_principal


@dataclass(frozen=True)
class PillarSummary:
    code: str
    name: str
    description: str
    needs: int
    responses: int


def pillar_summary() -> list[PillarSummary]:
    """Return, per pillar, how many needs and responses the principal can see."""
    require(can_view_overview, current_principal())
    # Visibility comes from the tenancy scoping of every query: the counts include
    # exactly the records the viewer could open, and nothing of other tenants' drafts.
    needs = select(Need.pillar_id, func.count().label("count")).group_by(Need.pillar_id).subquery()
    responses = (
        select(response_pillars.c.pillar_id, func.count().label("count"))
        .join(Response, Response.id == response_pillars.c.response_id)
        .group_by(response_pillars.c.pillar_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            Pillar.code,
            Pillar.name,
            Pillar.description,
            func.coalesce(needs.c.count, 0),
            func.coalesce(responses.c.count, 0),
        )
        .outerjoin(needs, needs.c.pillar_id == Pillar.id)
        .outerjoin(responses, responses.c.pillar_id == Pillar.id)
        .order_by(Pillar.position, Pillar.code)
    )
    return [PillarSummary(*row) for row in rows]
