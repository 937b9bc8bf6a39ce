"""Needs mapping cycles: listed for everyone, opened by Secretariat administrators."""

from __future__ import annotations

from sqlalchemy import select, update

from portal.authz import can_manage_cycles, can_read_records, require
from portal.exceptions import Conflict, NotFound, ValidationFailed
from portal.extensions import db
from portal.identity import current_principal
from portal.limits import quoted
from portal.models import Cycle, Need
from portal.pagination import Page, ordering, paginate
from portal.versions import commit, describes, require_current

# The one way through a cycle's life; there is no way back.
NEXT_STATUS = {"open": "consolidation", "consolidation": "adopted", "adopted": "archived"}
# What the API's list sorts by (a leading "-": descending); the pages show the newest first.
SORT_COLUMNS = {
    "id": Cycle.id,
    "name": Cycle.name,
    "status": Cycle.status,
    "starts_on": Cycle.starts_on,
    "ends_on": Cycle.ends_on,
    "created_at": Cycle.created_at,
}
SORTABLE = tuple(SORT_COLUMNS)


@describes(Cycle, "cycle")
def _describe_cycle(cycle: Cycle) -> dict[str, str]:
    """Return how a cycle reads on the cycles page, for showing what changed."""
    return {
        "Status": cycle.status,
        "Board meeting": cycle.board_meeting or "",
        "Adopted on": cycle.adopted_on.isoformat() if cycle.adopted_on else "",
    }


def list_cycles() -> list[Cycle]:
    """Return every cycle, the newest first."""
    require(can_read_records, current_principal())
    return list(db.session.scalars(select(Cycle).order_by(Cycle.starts_on.desc())))


def page_of_cycles(query: dict) -> Page:
    """Return one page of cycles, of one ``status`` if asked, sorted by ``query["sort"]``."""
    require(can_read_records, current_principal())
    statement = select(Cycle)
    if query.get("status"):
        statement = statement.where(Cycle.status == query["status"])
    statement = statement.order_by(*ordering(SORT_COLUMNS, query, Cycle.id))
    return paginate(statement, query["page"], query["per_page"])


def open_cycle(data: dict) -> Cycle:
    """Open a new needs mapping cycle; only one may be open at a time (CycleCreateSchema)."""
    require(can_manage_cycles, current_principal())
    if db.session.scalar(select(Cycle.id).where(Cycle.name == data["name"])) is not None:
        raise ValidationFailed(
            "The cycle was not opened.",
            {"name": f"There is already a cycle {quoted(data['name'])}."},
        )
    current = current_open_cycle()
    if current is not None:
        raise ValidationFailed(
            "The cycle was not opened.",
            {"name": f"Cycle {current.name} is still open; move it on before opening another."},
        )
    cycle = Cycle(status="open", **data)
    db.session.add(cycle)
    db.session.commit()
    return cycle


def get_cycle(cycle_id) -> Cycle:
    """Return the cycle with ``cycle_id`` or raise NotFound."""
    require(can_read_records, current_principal())
    try:
        key = int(cycle_id)
    except (TypeError, ValueError):
        key = 0
    # Ids are positive 32-bit integers; the database would refuse to compare any other.
    found = db.session.get(Cycle, key, populate_existing=True) if 0 < key < 2**31 else None
    if found is None:
        raise NotFound("There is no such cycle.")
    return found


def current_open_cycle() -> Cycle | None:
    """Return the cycle open for new needs, if there is one (the one query for it)."""
    require(can_read_records, current_principal())
    return db.session.scalar(select(Cycle).where(Cycle.status == "open"))


def require_cycle_manager() -> None:
    """Refuse unless the principal may open and move on cycles (administrators)."""
    require(can_manage_cycles, current_principal())


def get_cycle_to_move(cycle_id) -> Cycle:
    """Return the cycle with ``cycle_id`` if the principal may move cycles on."""
    cycle = get_cycle(cycle_id)
    require(can_manage_cycles, current_principal())
    return cycle


def move_cycle(cycle: Cycle, data: dict) -> Cycle:
    """Move a cycle to its next status; adopting it adopts its validated needs and freezes them."""
    require(can_manage_cycles, current_principal())
    require_current(cycle, data)
    target = data["status"]
    if NEXT_STATUS.get(cycle.status) != target:
        allowed = NEXT_STATUS.get(cycle.status)
        reason = (
            f"A {cycle.status} cycle can only move to {allowed}."
            if allowed
            else (f"An {cycle.status} cycle does not move any further.")
        )
        raise Conflict(
            f"Cycle {cycle.name} cannot move from {cycle.status} to {target}. {reason}",
            {"status": reason},
        )
    if target == "adopted":
        if data["adopted_on"] < cycle.starts_on:
            raise ValidationFailed(
                "The cycle was not adopted.",
                {"adopted_on": "The Board cannot adopt a cycle before it starts."},
            )
        cycle.board_meeting = data["board_meeting"].strip()
        cycle.adopted_on = data["adopted_on"]
        # In the same transaction as the cycle's own change: either both or neither.
        db.session.execute(
            update(Need)
            .where(Need.cycle_id == cycle.id, Need.status == "validated")
            .values(status="adopted", version=Need.version + 1)
            .execution_options(synchronize_session="fetch")
        )
    cycle.status = target
    commit(cycle)
    return cycle
