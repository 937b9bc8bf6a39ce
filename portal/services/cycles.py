"""Needs mapping cycles: listed for everyone, opened by Secretariat administrators."""

from __future__ import annotations

from sqlalchemy import select

from portal.authz import can_manage_cycles, can_view_overview, require
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.models import Cycle
from portal.schemas import parse
from portal.schemas.cycles import CycleCreateSchema
from portal.tenancy import current_principal


def list_cycles() -> list[Cycle]:
    """Return every cycle, the newest first."""
    require(can_view_overview, current_principal())
    return list(db.session.scalars(select(Cycle).order_by(Cycle.starts_on.desc())))


def open_cycle(values: dict) -> Cycle:
    """Open a new needs mapping cycle; only one may be open at a time."""
    require(can_manage_cycles, current_principal())
    # An empty form field means "not given", not "given as empty".
    data = parse(CycleCreateSchema(), {key: value for key, value in values.items() if value})
    if db.session.scalar(select(Cycle.id).where(Cycle.name == data["name"])) is not None:
        raise ValidationFailed(
            "The cycle was not opened.", {"name": f"There is already a cycle {data['name']}."}
        )
    current = db.session.scalar(select(Cycle).where(Cycle.status == "open"))
    if current is not None:
        raise ValidationFailed(
            "The cycle was not opened.",
            {"name": f"Cycle {current.name} is still open; move it on before opening another."},
        )
    cycle = Cycle(status="open", **data)
    db.session.add(cycle)
    db.session.commit()
    return cycle
