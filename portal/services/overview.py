"""Figures for the dashboard, computed by the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from portal import kept_results
from portal.authz import can_read_records, require
from portal.extensions import db
from portal.identity import current_principal
from portal.models import Cycle, Need, Pillar, Response, SupportLink, response_pillars
from portal.models.base import utc_now
from portal.services import analysis
from portal.services.cycles import current_open_cycle


@dataclass(frozen=True)
class Headline:
    """The analysis' totals of the cycle it shows by default, as the principal counts them."""

    cycle: Cycle | None
    figures: analysis.CoverageCell


def headline() -> Headline:
    """Return the coverage and gaps of the cycle the analysis opens on (open, else latest)."""
    require(can_read_records, current_principal())
    cycle = analysis.choose_cycle(None)
    if cycle is None:
        return Headline(None, analysis.CoverageCell())
    return Headline(cycle, analysis.coverage_matrix(cycle).total)


@dataclass(frozen=True)
class PillarSummary:
    code: str
    name: str
    description: str
    needs: int
    responses: int


def pillar_summary() -> list[PillarSummary]:
    """Return, per pillar, how many needs and responses the principal can see."""
    require(can_read_records, current_principal())
    # Visibility comes from the tenancy scoping of every query: the counts include
    # exactly the records the viewer could open, and nothing of other tenants' drafts.
    needs = select(Need.pillar_id, func.count().label("count")).group_by(Need.pillar_id).subquery()
    responses = (
        select(response_pillars.c.pillar_id, func.count().label("count"))
        .join(Response, Response.id == response_pillars.c.response_id)
        .group_by(response_pillars.c.pillar_id)
        .subquery()
    )
    statement = (
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
    # Counting every record the reader sees costs a pass over them all: kept for the
    # reader while the records are unchanged (portal.kept_results).
    return [PillarSummary(*row) for row in kept_results.ranking(statement, "summary")]


# Records untouched for this long are worth a look: a need or programme a year old may
# no longer say what is true.
STALE_AFTER = timedelta(days=365)
ATTENTION_LIMIT = 10


@dataclass(frozen=True)
class Attention:
    """What the signed-in user should look at, each list the first few of ``totals``."""

    returned_needs: list[Need]
    links_to_confirm: list[SupportLink]
    needs_to_validate: list[Need]
    links_to_validate: list[SupportLink]
    draft_needs: list[Need]
    draft_responses: list[Response]
    stale_needs: list[Need]
    stale_responses: list[Response]
    totals: dict[str, int]
    cycle: Cycle | None
    days_left: int | None
    validates: bool  # whether the user is of the Secretariat, who validate

    @property
    def waiting(self) -> int:
        """Return how many records wait for the user to act: returns, submissions, links."""
        return sum(
            self.totals[name]
            for name in (
                "returned_needs",
                "links_to_confirm",
                "needs_to_validate",
                "links_to_validate",
            )
        )


# The ends of the few links a list shows, loaded after the page is cut: joined into the
# statement, every link counted by the window would be joined to both ends first.
_LINK_ENDS = (selectinload(SupportLink.need), selectinload(SupportLink.response))


def _first_and_total(statement: Select, order) -> tuple[list, int]:
    """Return the first ATTENTION_LIMIT rows of ``statement`` and how many there are.

    The total is kept for the reader while the records are unchanged
    (``portal.kept_results``): counting a partner's thousands of links to confirm took
    most of the dashboard's time, the first few rows take an index's walk.
    """
    first = db.session.scalars(statement.order_by(*order).limit(ATTENTION_LIMIT)).all()
    if len(first) < ATTENTION_LIMIT:
        return list(first), len(first)
    return list(first), kept_results.total(statement)


def attention(today: date | None = None) -> Attention:
    """Return what needs the principal's attention: returns, links, stale records, deadline."""
    principal = current_principal()
    require(can_read_records, principal)
    today = today or utc_now().date()
    # "Of the user's own tenant" selects among what the user may see anyway; it widens
    # nothing, so it is a choice of records, not a visibility rule.
    own = principal.tenant_id
    # From the day's start, so that the lists' totals are the same statement all day
    # and can be kept (portal.kept_results).
    stale = datetime.combine(today, time.min, tzinfo=UTC) - STALE_AFTER
    lists = {
        "returned_needs": (
            select(Need).where(Need.tenant_id == own, Need.status == "returned"),
            (Need.updated_at.desc(), Need.id),
        ),
        "links_to_confirm": (
            # The link's copy of its need's owner: no lookup of every need.
            select(SupportLink)
            .where(SupportLink.need_tenant_id == own, SupportLink.status == "proposed")
            .options(*_LINK_ENDS),
            (SupportLink.created_at, SupportLink.id),
        ),
        # What the organisation has started and not yet sent on: easy to lose otherwise.
        "draft_needs": (
            select(Need).where(Need.tenant_id == own, Need.status == "draft"),
            (Need.updated_at.desc(), Need.id),
        ),
        "draft_responses": (
            select(Response).where(Response.tenant_id == own, Response.record_status == "draft"),
            (Response.updated_at.desc(), Response.id),
        ),
        "stale_needs": (
            select(Need).where(
                Need.tenant_id == own,
                Need.status.in_(("draft", "submitted", "returned", "validated")),
                Need.updated_at < stale,
            ),
            (Need.updated_at, Need.id),
        ),
        "stale_responses": (
            select(Response).where(
                Response.tenant_id == own,
                Response.implementation_status.in_(("planned", "ongoing")),
                Response.updated_at < stale,
            ),
            (Response.updated_at, Response.id),
        ),
    }
    if principal.in_secretariat:
        # The Secretariat validates the needs the partners submit, the oldest first, and
        # the links they have confirmed.
        lists["needs_to_validate"] = (
            select(Need).where(Need.status == "submitted"),
            (Need.updated_at, Need.id),
        )
        lists["links_to_validate"] = (
            select(SupportLink).where(SupportLink.status == "confirmed").options(*_LINK_ENDS),
            (SupportLink.confirmed_at, SupportLink.id),
        )
    secretariat_only = ("needs_to_validate", "links_to_validate")
    found, totals = dict.fromkeys(secretariat_only, []), dict.fromkeys(secretariat_only, 0)
    for name, (statement, order) in lists.items():
        found[name], totals[name] = _first_and_total(statement, order)
    cycle = current_open_cycle()
    deadline = cycle.submission_deadline if cycle is not None else None
    days_left = (deadline - today).days if deadline is not None else None
    return Attention(
        **found,
        totals=totals,
        cycle=cycle,
        days_left=days_left,
        validates=principal.in_secretariat,
    )
