"""Need codes: the stable name people cite a need by, e.g. ``2026-AL-WBBSi-014``.

A code is the cycle's year (the first year of its name: 2026 for cycle 2026-2027), the
partner economy (AL, BA, XK, ME, MK, RS, or REG for a regional need), the pillar, and a
three-digit number counting that economy's needs of that pillar in the cycle. It is given
when the need is created (a need carried over into a new cycle is a new need there, with
a new code) and never changes afterwards, not even when the need's pillar does: a code
is unique within its cycle, and says where the need started.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.models import Cycle, Need, Pillar, Tenant

# How the database names a clash of two codes in one cycle (PostgreSQL, then SQLite).
_CLASHES = ("uq_needs_cycle_id_code", "needs.cycle_id, needs.code")


def cycle_year(cycle: Cycle) -> str:
    """Return the year a cycle is named after (its start year if its name has none)."""
    named = cycle.name[:4]
    return named if named.isascii() and named.isdigit() else str(cycle.starts_on.year)


def code_prefix(cycle: Cycle, economy_code: str, pillar_code: str) -> str:
    """Return what every code of this cycle, economy and pillar starts with."""
    return f"{cycle_year(cycle)}-{economy_code}-{pillar_code}-"


def highest_number(session: Session, cycle_id: int, prefix: str) -> int:
    """Return the highest number the session can see among the cycle's codes with ``prefix``."""
    codes = session.scalars(
        select(Need.code).where(
            Need.cycle_id == cycle_id, Need.code.startswith(prefix, autoescape=True)
        )
    )
    numbers = (code[len(prefix) :] for code in codes)
    return max((int(number) for number in numbers if number.isdigit()), default=0)


def assign_codes(session: Session, needs: Iterable[Need], skip: int = 0) -> None:
    """Give each of ``needs`` without a code the next free code, in order.

    ``skip`` leaves that many numbers out after the highest one the session can see: a
    partner's other organisations may hold drafts with higher numbers that it cannot read.
    """
    following: dict[tuple[Cycle, str], int] = {}
    with session.no_autoflush:
        for need in needs:
            if need.code:
                continue
            cycle = need.cycle or session.get(Cycle, need.cycle_id)
            tenant = need.tenant or session.get(Tenant, need.tenant_id)
            pillar = need.pillar or session.get(Pillar, need.pillar_id)
            economy = tenant.economy.code if tenant.economy is not None else tenant.code
            prefix = code_prefix(cycle, economy, pillar.code)
            key = (cycle, prefix)
            if key not in following:
                following[key] = highest_number(session, cycle.id, prefix) + skip
            following[key] += 1
            need.code = f"{prefix}{following[key]:03d}"


def is_code_clash(error: IntegrityError) -> bool:
    """Return whether ``error`` is two needs of one cycle given the same code."""
    return any(name in str(error.orig) for name in _CLASHES)


@event.listens_for(Session, "before_flush")
def _code_new_needs(session: Session, _flush_context, _instances) -> None:
    # Whoever creates a need (a page, the demo loader, the command line) it gets a code.
    new = [record for record in session.new if isinstance(record, Need) and not record.code]
    if new:
        assign_codes(session, new)
