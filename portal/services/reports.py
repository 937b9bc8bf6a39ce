"""The reports the IISG publishes: the needs mapping report of a cycle, the response
mapping report of a year (docs/reports.md).

A report is read like every page: each statement below is an ORM ``select()`` scoped by
the tenancy hook (and, on PostgreSQL, row-level security), so a report holds what its
reader may see, and the Secretariat's is the complete one. Its figures are the analysis'
own (``portal.services.analysis``): the same analysed needs, counted links and coverage.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal.authz import can_read_records, can_run_background_work, require
from portal.charts import funding_charts
from portal.documents import PdfUnavailable, pdf_bytes, pdf_missing, render
from portal.exceptions import ValidationFailed
from portal.extensions import db
from portal.identity import current_principal
from portal.models import (
    Cycle,
    Need,
    PartnerEconomy,
    Pillar,
    ReportFile,
    Response,
    SupportLink,
    Tenant,
)
from portal.models.base import utc_now
from portal.services import analysis
from portal.services.responses import SUPPORT_TYPE_LABELS
from portal.tenancy import get_visible

# Ids asked of the database at once (SQLite allows 32,766 parameters in a statement).
BATCH = 1000
# Responses whose work stopped before it began are not part of a year's mapping.
NOT_ACTIVE = ("cancelled",)


@dataclass
class Scope:
    """What part of a report is asked for: a partner economy, a pillar, or everything."""

    economy: PartnerEconomy | None = None
    pillar: Pillar | None = None

    @property
    def label(self) -> str:
        parts = [part.display_name for part in (self.economy,) if part is not None]
        parts += [f"{part.code} {part.name}" for part in (self.pillar,) if part is not None]
        return ", ".join(parts) or "all partners and pillars"


@dataclass
class Addressing:
    """A response addressing a need through a counted link, with that link's coverage."""

    response: Response
    coverage: str


@dataclass
class ReportedNeed:
    need: Need
    coverage: str
    responses: list[Addressing] = field(default_factory=list)
    # Organisations whose responses address the need (synergy or overlap from two on).
    tenant_ids: set[int] = field(default_factory=set)


@dataclass
class PartnerNeeds:
    economy: PartnerEconomy
    needs: list[ReportedNeed]


@dataclass
class PillarNeeds:
    pillar: Pillar
    partners: list[PartnerNeeds]

    @property
    def figures(self) -> analysis.CoverageCell:
        cell = analysis.CoverageCell()
        for partner in self.partners:
            for entry in partner.needs:
                cell.add(_figure(entry.coverage))
        return cell


@dataclass
class NeedsReport:
    cycle: Cycle
    previous: Cycle | None
    scope: Scope
    generated_at: datetime
    matrices: list[analysis.CoverageMatrix]
    funding: dict[str, list[analysis.FundingRow]]
    pillars: list[PillarNeeds]
    carried_over: list[ReportedNeed]
    new: list[ReportedNeed]
    dropped: list[Need]
    tenants: dict[int, Tenant]
    # The code of the need each carried-over need continues (those the reader may see).
    continued: dict[int, str]

    @property
    def entries(self) -> list[ReportedNeed]:
        return [entry for pillar in self.pillars for p in pillar.partners for entry in p.needs]

    @property
    def gaps(self) -> list[ReportedNeed]:
        return [entry for entry in self.entries if entry.coverage == "gap"]

    @property
    def synergies(self) -> list[ReportedNeed]:
        return [entry for entry in self.entries if len(entry.tenant_ids) >= 2]


def _figure(coverage: str) -> analysis.CoverageCell:
    return analysis.CoverageCell(
        needs=1,
        covered=int(coverage == "covered"),
        partial=int(coverage == "partial"),
        gaps=int(coverage == "gap"),
    )


def scope_of(economy_code: str | None, pillar_code: str | None) -> Scope:
    """Return the scope named by an economy code and a pillar code, either may be absent."""
    require(can_read_records, current_principal())
    scope, problems = Scope(), {}
    if economy_code:
        scope.economy = db.session.scalar(
            select(PartnerEconomy).where(PartnerEconomy.code == economy_code)
        )
        if scope.economy is None:
            problems["partner"] = f"There is no partner economy {economy_code}."
    if pillar_code:
        scope.pillar = db.session.scalar(select(Pillar).where(Pillar.code == pillar_code))
        if scope.pillar is None:
            problems["pillar"] = f"There is no pillar {pillar_code}."
    if problems:
        raise ValidationFailed("The report cannot be narrowed that way.", problems)
    return scope


def scope_choices() -> tuple[list[PartnerEconomy], list[Pillar]]:
    """Return the partner economies and the pillars a report may be narrowed to."""
    require(can_read_records, current_principal())
    return (
        list(db.session.scalars(select(PartnerEconomy).order_by(PartnerEconomy.position))),
        list(db.session.scalars(select(Pillar).order_by(Pillar.position))),
    )


def get_cycle(cycle_id) -> Cycle:
    """Return the cycle ``cycle_id`` names, for its needs mapping report."""
    require(can_read_records, current_principal())
    return get_visible(Cycle, cycle_id)


def report_years() -> list[int]:
    """Return the years a response mapping report can be made of, the latest first.

    From the first year a published response starts in to the last it runs in (this
    year at least), as the reader sees them.
    """
    require(can_read_records, current_principal())
    this_year = date.today().year
    first, last = db.session.execute(
        select(func.min(Response.starts_on), func.max(Response.ends_on)).where(
            Response.record_status == "published"
        )
    ).one()
    start = max(min(first.year if first else this_year, this_year), 1990)
    end = min(max(this_year, last.year if last else this_year), this_year + 10)
    return list(range(end, start - 1, -1))


def previous_cycle(cycle: Cycle) -> Cycle | None:
    """Return the cycle before ``cycle``, whose needs the lineage compares with."""
    require(can_read_records, current_principal())
    return db.session.scalar(
        select(Cycle)
        .where(Cycle.starts_on < cycle.starts_on)
        .order_by(Cycle.starts_on.desc())
        .limit(1)
    )


def needs_report(cycle: Cycle, scope: Scope | None = None) -> NeedsReport:
    """Gather the needs mapping report of ``cycle`` as its reader may see it."""
    require(can_read_records, current_principal())
    scope = scope or Scope()
    economy_id = scope.economy.id if scope.economy else None
    pillar_id = scope.pillar.id if scope.pillar else None
    statement = analysis.needs_with_levels(cycle, economy_id, pillar_id).options(
        joinedload(Need.tenant).joinedload(Tenant.economy),
        joinedload(Need.pillar),
        joinedload(Need.category),
        joinedload(Need.perspective),
        selectinload(Need.acquis_chapters),
    )
    entries = [
        ReportedNeed(need, analysis.COVERAGE_NAMES[level])
        for need, level in db.session.execute(statement.order_by(Need.code, Need.id)).unique()
    ]
    tenants = _add_responses(cycle, entries)
    previous = previous_cycle(cycle)
    carried = [entry for entry in entries if entry.need.previous_need_id is not None]
    return NeedsReport(
        cycle=cycle,
        previous=previous,
        scope=scope,
        generated_at=utc_now(),
        matrices=analysis.coverage_matrices(cycle),
        funding={
            "pillar": analysis.funding_by_pillar(cycle),
            "partner": analysis.funding_by_partner(cycle),
        },
        pillars=_by_pillar_and_partner(entries),
        carried_over=carried,
        new=[entry for entry in entries if entry.need.previous_need_id is None],
        dropped=_dropped(cycle, previous, economy_id, pillar_id),
        tenants=tenants,
        continued=_codes([entry.need.previous_need_id for entry in carried]),
    )


def _codes(need_ids: list[int]) -> dict[int, str]:
    codes: dict[int, str] = {}
    for start in range(0, len(need_ids), BATCH):
        batch = need_ids[start : start + BATCH]
        rows = db.session.execute(select(Need.id, Need.code).where(Need.id.in_(batch)))
        codes.update((need_id, code) for need_id, code in rows)
    return codes


def _add_responses(cycle: Cycle, entries: list[ReportedNeed]) -> dict[int, Tenant]:
    """Attach to each need the responses addressing it; return the organisations named."""
    by_need = {entry.need.id: entry for entry in entries}
    ids = list(by_need)
    response_ids: set[int] = set()
    pairs = []
    for start in range(0, len(ids), BATCH):
        links = analysis.counted_links(cycle).add_columns(
            SupportLink.response_id, SupportLink.response_tenant_id, SupportLink.coverage
        )
        for need_id, response_id, tenant_id, coverage in db.session.execute(
            links.where(SupportLink.need_id.in_(ids[start : start + BATCH]))
        ):
            by_need[need_id].tenant_ids.add(tenant_id)
            pairs.append((need_id, response_id, coverage))
            response_ids.add(response_id)
    responses = _responses_by_id(response_ids)
    for need_id, response_id, coverage in sorted(pairs):
        # A response the reader may not see is counted in the figures, not listed.
        if response_id in responses:
            by_need[need_id].responses.append(Addressing(responses[response_id], coverage))
    named = {tenant_id for entry in entries for tenant_id in entry.tenant_ids}
    return {
        tenant.id: tenant
        for tenant in db.session.scalars(select(Tenant).where(Tenant.id.in_(named)))
    }


def _responses_by_id(ids) -> dict[int, Response]:
    ids = sorted(ids)
    found: dict[int, Response] = {}
    for start in range(0, len(ids), BATCH):
        found.update(
            (response.id, response)
            for response in db.session.scalars(
                select(Response)
                .where(Response.id.in_(ids[start : start + BATCH]))
                .options(
                    joinedload(Response.tenant),
                    selectinload(Response.parties),
                    selectinload(Response.pillars),
                    selectinload(Response.beneficiaries),
                )
            )
        )
    return found


def _by_pillar_and_partner(entries: list[ReportedNeed]) -> list[PillarNeeds]:
    grouped: dict[int, dict[int, list[ReportedNeed]]] = defaultdict(lambda: defaultdict(list))
    pillars, economies = {}, {}
    for entry in entries:
        need = entry.need
        economy = need.tenant.economy
        pillars[need.pillar.id] = need.pillar
        economies[economy.id] = economy
        grouped[need.pillar.id][economy.id].append(entry)
    return [
        PillarNeeds(
            pillar,
            [
                PartnerNeeds(economies[economy_id], grouped[pillar.id][economy_id])
                for economy_id in sorted(
                    grouped[pillar.id], key=lambda key: economies[key].position
                )
            ],
        )
        for pillar in sorted(pillars.values(), key=lambda pillar: pillar.position)
    ]


def _dropped(
    cycle: Cycle, previous: Cycle | None, economy_id: int | None, pillar_id: int | None
) -> list[Need]:
    """Return the previous cycle's needs that were not carried over into ``cycle``."""
    if previous is None:
        return []
    # The needs of the previous cycle that an analysed need of this one continues: read
    # as a list first (an anti-join asked of SQLite took minutes at 20,000 needs a cycle).
    carried = set(
        db.session.scalars(
            select(Need.previous_need_id).where(
                Need.cycle_id == cycle.id,
                Need.status.in_(analysis.ANALYSED_NEED_STATUSES),
                Need.previous_need_id.is_not(None),
            )
        )
    )
    statement = (
        select(Need)
        .join(Tenant, Tenant.id == Need.tenant_id)
        .where(Need.cycle_id == previous.id, Need.status.in_(analysis.ANALYSED_NEED_STATUSES))
        .options(joinedload(Need.tenant).joinedload(Tenant.economy), joinedload(Need.pillar))
        .order_by(Need.code, Need.id)
    )
    if economy_id is not None:
        statement = statement.where(Tenant.economy_id == economy_id)
    if pillar_id is not None:
        statement = statement.where(Need.pillar_id == pillar_id)
    return [need for need in db.session.scalars(statement).unique() if need.id not in carried]


# --- The response mapping report of a year ---------------------------------------------


@dataclass
class Total:
    currency: str
    amount: Decimal
    responses: int


@dataclass
class ResponseGroup:
    """The responses of one pillar or one partner, with their budgets per currency."""

    heading: str
    code: str
    responses: list[Response]

    @property
    def totals(self) -> list[Total]:
        return _totals(self.responses)


@dataclass
class ResponsesReport:
    year: int
    scope: Scope
    generated_at: datetime
    responses: list[Response]
    by_pillar: list[ResponseGroup]
    by_partner: list[ResponseGroup]
    needs: dict[int, list[Need]]
    undated: int

    @property
    def totals(self) -> list[Total]:
        return _totals(self.responses)


def _totals(responses: list[Response]) -> list[Total]:
    sums: dict[str, Total] = {}
    for response in responses:
        if response.budget_amount is None or not response.budget_currency:
            continue
        total = sums.setdefault(
            response.budget_currency, Total(response.budget_currency, Decimal(0), 0)
        )
        total.amount += response.budget_amount
        total.responses += 1
    return [sums[currency] for currency in sorted(sums)]


def this_year() -> int:
    """Return the current year: the latest whose response report may be published."""
    require(can_read_records, current_principal())
    return date.today().year


def check_year(year: int) -> int:
    """Return ``year`` if a report can be made of it; refuse a year out of range."""
    require(can_read_records, current_principal())
    if not 1990 <= year <= date.today().year + 10:
        raise ValidationFailed(
            "There is no report of that year.",
            {"year": f"Choose a year from 1990 to {date.today().year + 10}."},
        )
    return year


def responses_report(year: int, scope: Scope | None = None) -> ResponsesReport:
    """Gather the response mapping report of ``year``: the responses active in it."""
    require(can_read_records, current_principal())
    check_year(year)
    scope = scope or Scope()
    first, last = date(year, 1, 1), date(year, 12, 31)
    published = and_(
        Response.record_status == "published",
        Response.implementation_status.not_in(NOT_ACTIVE),
    )
    statement = select(Response).where(
        published,
        Response.starts_on <= last,
        or_(Response.ends_on.is_(None), Response.ends_on >= first),
    )
    statement = _narrowed(statement, scope)
    responses = list(
        db.session.scalars(
            statement.options(
                joinedload(Response.tenant),
                selectinload(Response.parties),
                selectinload(Response.pillars),
                selectinload(Response.beneficiaries),
            ).order_by(Response.title, Response.id)
        ).unique()
    )
    undated = db.session.scalar(
        _narrowed(select(Response.id).where(published, Response.starts_on.is_(None)), scope).limit(
            1
        )
    )
    return ResponsesReport(
        year=year,
        scope=scope,
        generated_at=utc_now(),
        responses=responses,
        by_pillar=_grouped(responses, "pillars", scope.pillar),
        by_partner=_grouped(responses, "beneficiaries", scope.economy),
        needs=_addressed_needs([response.id for response in responses]),
        undated=int(undated is not None),
    )


def _narrowed(statement, scope: Scope):
    """Return ``statement`` of responses narrowed to the scope's pillar and partner."""
    if scope.pillar is not None:
        statement = statement.where(Response.pillars.any(Pillar.id == scope.pillar.id))
    if scope.economy is not None:
        statement = statement.where(
            Response.beneficiaries.any(PartnerEconomy.id == scope.economy.id)
        )
    return statement


def _grouped(responses: list[Response], attribute: str, only) -> list[ResponseGroup]:
    groups: dict[int, tuple] = {}
    for response in responses:
        for key in getattr(response, attribute):
            if only is not None and key.id != only.id:
                continue
            groups.setdefault(key.id, (key, []))[1].append(response)
    return [
        ResponseGroup(getattr(key, "display_name", key.name), key.code, listed)
        for key, listed in sorted(groups.values(), key=lambda group: group[0].position)
    ]


def _addressed_needs(response_ids: list[int]) -> dict[int, list[Need]]:
    """Return, per response, the needs its counted links address (that the reader sees)."""
    needs: dict[int, list[Need]] = defaultdict(list)
    for start in range(0, len(response_ids), BATCH):
        rows = db.session.execute(
            select(SupportLink.response_id, Need)
            .join(Need, Need.id == SupportLink.need_id)
            .where(
                SupportLink.response_id.in_(response_ids[start : start + BATCH]),
                SupportLink.status.in_(analysis.COUNTED_LINK_STATUSES),
                Need.status.in_(analysis.ANALYSED_NEED_STATUSES),
            )
            .order_by(Need.code)
        )
        for response_id, need in rows:
            needs[response_id].append(need)
    return dict(needs)


# --- The reports as documents -----------------------------------------------------------


def needs_html(cycle, scope, mode: str = "page", tools=()) -> str:
    """Return the needs mapping report of ``cycle`` (narrowed to ``scope``) as HTML."""
    require(can_read_records, current_principal())
    return needs_document(needs_report(cycle, scope), mode, tools)


def needs_document(report: NeedsReport, mode: str, tools=(), edition: bool = False) -> str:
    """Return a gathered needs mapping report as HTML of ``mode`` (``portal.documents``).

    ``edition``: made to be published, so it names no reader.
    """
    require(can_read_records, current_principal())
    charts = {key: funding_charts(rows) for key, rows in report.funding.items()}
    return render("reports/needs.html", report, mode, tools, edition, charts=charts, **_labels())


def responses_html(year: int, scope, mode: str = "page", tools=()) -> str:
    """Return the response mapping report of ``year`` (narrowed to ``scope``) as HTML."""
    require(can_read_records, current_principal())
    return responses_document(responses_report(year, scope), mode, tools)


def responses_document(report: ResponsesReport, mode: str, tools=(), edition=False) -> str:
    """Return a gathered response mapping report as HTML of ``mode``."""
    require(can_read_records, current_principal())
    return render("reports/responses.html", report, mode, tools, edition, **_labels())


def _labels() -> dict:
    return {"support_types": SUPPORT_TYPE_LABELS}


# --- Reports made on the worker ---------------------------------------------------------


def needs_pdf(cycle: Cycle, scope: Scope) -> bytes | None:
    """Return the needs mapping report as PDF, or None when it is for the worker to make."""
    require(can_read_records, current_principal())
    _require_pdf()
    report = needs_report(cycle, scope)
    if len(report.entries) > current_app.config["REPORT_AT_ONCE_RECORDS"]:
        return None
    return pdf_bytes(needs_document(report, "pdf"))


def responses_pdf(year: int, scope: Scope) -> bytes | None:
    """Return the response mapping report as PDF, or None when it is for the worker."""
    require(can_read_records, current_principal())
    _require_pdf()
    report = responses_report(year, scope)
    if len(report.responses) > current_app.config["REPORT_AT_ONCE_RECORDS"]:
        return None
    return pdf_bytes(responses_document(report, "pdf"))


def _require_pdf() -> None:
    # Refused before anything is gathered or queued: the worker could not make it either.
    problem = pdf_missing()
    if problem:
        raise PdfUnavailable(problem)


def make_report_file(kind: str, key: int, partner, pillar, job_id, progress=None) -> ReportFile:
    """Make a report as PDF for the principal, and keep it for them (a tracked job's work)."""
    principal = current_principal()
    require(can_read_records, principal)
    scope = scope_of(partner, pillar)
    if kind == "needs":
        cycle = get_cycle(key)
        report = needs_report(cycle, scope)
        name, html = f"iisg-needs-mapping-{cycle.name}", needs_document(report, "pdf")
    else:
        report = responses_report(check_year(key), scope)
        name, html = f"iisg-response-mapping-{key}", responses_document(report, "pdf")
    if progress is not None:
        progress(1, 2)
    suffix = "".join(f"-{part}" for part in (partner, pillar) if part)
    content = pdf_bytes(html)
    made = ReportFile(
        job_id=job_id or 0,
        actor_id=principal.user_id,
        name=f"{name}{suffix}.pdf",
        media_type="application/pdf",
        size=len(content),
        content=content,
    )
    db.session.add(made)
    db.session.commit()
    if progress is not None:
        progress(2, 2)
    return made


# How long a report the worker made waits for its reader to download it. Made again, it
# shows the records as they are then; kept longer, it would be a stale copy of them.
REPORT_FILES_KEPT = timedelta(days=7)


def forget_old_report_files() -> int:
    """Delete the reports the worker made more than a week ago; return how many."""
    require(can_run_background_work, current_principal())
    cutoff = utc_now() - REPORT_FILES_KEPT
    forgotten = db.session.execute(
        delete(ReportFile).where(ReportFile.created_at < cutoff),
        execution_options={"synchronize_session": False},
    ).rowcount
    db.session.commit()
    return forgotten


def file_of_job(job_id: int) -> ReportFile | None:
    """Return the report a job made, if the principal may read it (the one who asked)."""
    require(can_read_records, current_principal())
    return db.session.scalar(
        select(ReportFile).where(ReportFile.job_id == job_id).order_by(ReportFile.id.desc())
    )


def report_file(file_id) -> ReportFile:
    """Return a report the worker made for the principal, with its content."""
    require(can_read_records, current_principal())
    return get_visible(ReportFile, file_id)
