"""The people and cycles of the needs tests: one partner's needs, seen from every seat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.extensions import db
from portal.models import Cycle, Need, Tenant, User
from tests import factories


@dataclass
class Cast:
    open_cycle: Cycle
    adopted_cycle: Cycle
    albania: Tenant
    serbia: Tenant
    people: dict[str, User]


# Every seat the workflow must answer for: the owner's editor and viewer, another
# partner's editor, a member's editor, and the Secretariat's editor, admin and viewer.
# The fields of a need form a partner editor may submit as they are.
VALID_NEED_FORM = {
    "pillar": "WBCTi",
    "category": "legislative",
    "perspective": "prevention",
    "title": "Criminalise travel for terrorism",
    "description": "The criminal code has no such offence yet.",
    "priority": "high",
}

SEATS = (
    "albania-editor",
    "albania-viewer",
    "serbia-editor",
    "member-editor",
    "secretariat-editor",
    "secretariat-admin",
    "secretariat-viewer",
)


def build_cast() -> Cast:
    """Create two partners, a member, the Secretariat, an open and an adopted cycle."""
    adopted = factories.cycle(
        "2021-2022",
        status="adopted",
        starts_on=date(2021, 9, 1),
        ends_on=date(2022, 6, 30),
        board_meeting="6th IISG Board Meeting, Sarajevo",
        adopted_on=date(2022, 6, 20),
    )
    current = factories.cycle()
    db.session.add_all([adopted, current])
    albania = factories.partner_tenant()
    serbia = factories.partner_tenant(code="RS-MOI", economy="RS", name="Serbian Ministry")
    member = factories.member_tenant()
    secretariat = factories.member_tenant(code="IISG-SEC", kind="secretariat")
    tenants = {"albania": albania, "serbia": serbia, "member": member, "secretariat": secretariat}
    people = {}
    for seat in SEATS:
        organisation, role = seat.split("-")
        people[seat] = factories.user(
            tenants[organisation], email=f"{role}@{organisation}.example", roles=(role,)
        )
    db.session.commit()
    return Cast(current, adopted, albania, serbia, people)


def albanian_need(cast: Cast, status: str = "draft", cycle: Cycle | None = None, **fields) -> Need:
    """Add a need of Albania (in the open cycle unless told) and return it, committed."""
    need = factories.need(cycle or cast.open_cycle, cast.albania, status=status, **fields)
    db.session.add(need)
    db.session.commit()
    return need
