"""Figures for the dashboard, computed by the database."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Need, Pillar, Response, response_pillars

# Until sign-in and tenancy exist, the dashboard counts only what every IISG member may
# read (DESIGN §4): validated or adopted needs, and published responses open to members.
SHARED_NEED_STATUSES = ("validated", "adopted")


@dataclass(frozen=True)
class PillarSummary:
    code: str
    name: str
    description: str
    needs: int
    responses: int


def pillar_summary() -> list[PillarSummary]:
    """Return, per pillar, how many shared needs and published responses there are."""
    needs = (
        select(Need.pillar_id, func.count().label("count"))
        .where(Need.status.in_(SHARED_NEED_STATUSES))
        .group_by(Need.pillar_id)
        .subquery()
    )
    responses = (
        select(response_pillars.c.pillar_id, func.count().label("count"))
        .join(Response, Response.id == response_pillars.c.response_id)
        .where(Response.record_status == "published", Response.visibility == "members")
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
