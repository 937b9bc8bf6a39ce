"""The gap analysis of a needs mapping cycle, computed by the database.

Definitions, the same on every page, CSV file and test:

- **Analysed needs** are the cycle's needs in the statuses ``ANALYSED_NEED_STATUSES``:
  a draft is not yet a need the partner has put forward, and a withdrawn one no longer
  is. Of those, each viewer counts only the needs it may see, so a partner
  sees its own submitted and returned needs and only the validated and adopted needs of
  the others.
- **Counted links** are support links the need's owner has confirmed or the Secretariat
  has validated (``COUNTED_LINK_STATUSES``), from a published response that was not
  cancelled. A ``proposed`` link is only a claim nobody has agreed to yet, and a
  ``disputed`` one a claim the partner rejects: neither makes a need addressed.
- A need is **covered** when one of its counted links has coverage ``full``,
  **partially covered** when it has counted links but none full, and a **gap** when it
  has no counted link at all - nobody addresses it.

Every statement below is an ORM ``select()``: the tenancy hook scopes each entity in it,
subqueries included, and PostgreSQL row-level security scopes the tables once more.
The figures are aggregated in SQL (GROUP BY, CASE); Python only arranges the few
aggregate rows into tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal

from sqlalchemy import Select, case, distinct, func, select
from sqlalchemy.orm import joinedload

from portal import kept_results
from portal.authz import can_read_records, require
from portal.exceptions import ValidationFailed
from portal.extensions import db
from portal.identity import current_principal
from portal.limits import quoted
from portal.models import (
    Cycle,
    Need,
    NeedCategory,
    PartnerEconomy,
    Pillar,
    Response,
    SupportLink,
    Tenant,
)
from portal.pagination import Page

ANALYSED_NEED_STATUSES = ("submitted", "returned", "validated", "adopted")
COUNTED_LINK_STATUSES = ("confirmed", "validated")
# How far a need is addressed, as the level its best counted link reaches.
FULL, PARTIAL = 2, 1
COVERAGE_NAMES = {FULL: "covered", PARTIAL: "partial", None: "gap"}
# Rows of the coverage matrix are partner economies; columns pillars or need categories.
DIMENSIONS = {"pillar": (Pillar, Need.pillar_id), "category": (NeedCategory, Need.category_id)}
LARGEST_EXPORT = 200_000
CENT = Decimal("0.01")


@dataclass
class CoverageCell:
    """How many analysed needs a cell holds, and how far they are addressed."""

    needs: int = 0
    covered: int = 0
    partial: int = 0
    gaps: int = 0

    @property
    def gap_share(self) -> int:
        """Return the gaps as a whole percentage of the needs (0 for an empty cell)."""
        return round(100 * self.gaps / self.needs) if self.needs else 0

    @property
    def covered_share(self) -> int:
        """Return the needs covered in full as a whole percentage (0 for an empty cell)."""
        return round(100 * self.covered / self.needs) if self.needs else 0

    def add(self, other: CoverageCell) -> None:
        self.needs += other.needs
        self.covered += other.covered
        self.partial += other.partial
        self.gaps += other.gaps


@dataclass(frozen=True)
class PlacedCell:
    """A cell of a matrix with the column it stands in, for reading the matrix row by row."""

    column: Pillar | NeedCategory
    figures: CoverageCell


@dataclass(frozen=True)
class CoverageRow:
    """One partner economy's row of a matrix: a cell per column, and the row's total."""

    economy: PartnerEconomy
    cells: list[PlacedCell]
    total: CoverageCell


@dataclass
class CoverageMatrix:
    """Partner economies by pillars (or categories), each cell a CoverageCell."""

    dimension: str
    economies: list[PartnerEconomy]
    columns: list
    cells: dict[tuple[int, int], CoverageCell]
    row_totals: dict[int, CoverageCell] = field(default_factory=dict)
    column_totals: dict[int, CoverageCell] = field(default_factory=dict)
    total: CoverageCell = field(default_factory=CoverageCell)

    def cell(self, economy_id: int, column_id: int) -> CoverageCell:
        """Return the cell of an economy and a column (empty when there are no needs)."""
        return self.cells.get((economy_id, column_id), CoverageCell())

    def row_total(self, economy_id: int) -> CoverageCell:
        """Return the needs of an economy in every column."""
        return self.row_totals.get(economy_id, CoverageCell())

    def column_total(self, column_id: int) -> CoverageCell:
        """Return the needs of every economy in a column."""
        return self.column_totals.get(column_id, CoverageCell())

    @property
    def rows(self) -> list[CoverageRow]:
        """Return the matrix row by row, every cell with its column (empty ones included)."""
        return [
            CoverageRow(
                economy,
                [PlacedCell(column, self.cell(economy.id, column.id)) for column in self.columns],
                self.row_total(economy.id),
            )
            for economy in self.economies
        ]

    @property
    def totals(self) -> list[PlacedCell]:
        """Return the total of each column, with the column."""
        return [PlacedCell(column, self.column_total(column.id)) for column in self.columns]


@dataclass(frozen=True)
class CycleCoverage:
    """The coverage of every analysed need of one cycle: the total of its matrices."""

    cycle: Cycle
    figures: CoverageCell


@dataclass(frozen=True)
class Synergy:
    """A need addressed by responses of two or more tenants, and those tenants."""

    need: Need
    tenants: list[Tenant]


@dataclass(frozen=True)
class FundingRow:
    """The budgets of the responses addressing one pillar's or partner's needs, in a currency."""

    code: str
    name: str
    currency: str
    amount: Decimal
    responses: int


def choose_cycle(cycle_id: int | None) -> Cycle | None:
    """Return the cycle to analyse: the one asked for, else the open one, else the latest."""
    require(can_read_records, current_principal())
    if cycle_id is not None:
        cycle = db.session.get(Cycle, cycle_id)
        if cycle is None:
            raise ValidationFailed(
                "There is no such cycle.", {"cycle": "Choose a cycle from the list."}
            )
        return cycle
    return db.session.scalar(
        select(Cycle).order_by((Cycle.status == "open").desc(), Cycle.starts_on.desc()).limit(1)
    )


def choose_cycle_named(name: str | None) -> Cycle | None:
    """Return the cycle called ``name``; without a name, the one ``choose_cycle`` picks."""
    require(can_read_records, current_principal())
    if name is None:
        return choose_cycle(None)
    cycle = db.session.scalar(select(Cycle).where(Cycle.name == name))
    if cycle is None:
        raise ValidationFailed(
            "There is no such cycle.", {"cycle": f"There is no cycle {quoted(name)}."}
        )
    return cycle


def _counted_links(cycle: Cycle | None) -> Select:
    """Return the counted links to the cycle's analysed needs (every cycle's, without one).

    Read from the copies each link keeps of its need's and response's columns
    (``portal.link_ends``): the links of a cycle come from one index, without a lookup
    of either end. Join ``Need`` or ``Response`` for anything else of theirs.
    """
    in_cycle = () if cycle is None else (SupportLink.need_cycle_id == cycle.id,)
    return select(SupportLink.need_id).where(
        *in_cycle,
        SupportLink.need_status.in_(ANALYSED_NEED_STATUSES),
        SupportLink.status.in_(COUNTED_LINK_STATUSES),
        SupportLink.response_record_status == "published",
        SupportLink.response_implementation_status != "cancelled",
    )


def _coverage_levels(cycle: Cycle, *need_criteria):
    """Return a subquery of (need_id, level): the best coverage of each addressed need.

    ``need_criteria`` narrow the needs looked at (a drill-down's cell), so that only the
    links of those needs are aggregated.
    """
    links = _counted_links(cycle)
    if need_criteria:
        # As a list of the cell's needs, so that a drill-down reads their links by need
        # rather than every counted link of the cycle.
        cell = select(Need.id).where(Need.cycle_id == cycle.id, *need_criteria)
        links = links.where(SupportLink.need_id.in_(cell))
    return _levels_of(links)


def _levels_of(links: Select):
    """Return a subquery of (need_id, level) of the counted ``links``, one row per need."""
    level = func.max(case((SupportLink.coverage == "full", FULL), else_=PARTIAL))
    return (
        links.add_columns(level.label("level"))
        .group_by(SupportLink.need_id)
        .subquery("coverage_levels")
    )


def _listed(statement: Select) -> Select:
    """Load with each listed need what its row shows, in the same query."""
    return statement.options(
        joinedload(Need.tenant).joinedload(Tenant.economy),
        joinedload(Need.pillar),
        joinedload(Need.category),
    )


def _analysed_needs(cycle: Cycle, levels) -> Select:
    """Return the cycle's analysed needs joined to their owners and coverage levels."""
    return (
        select(Need)
        .join(Tenant, Tenant.id == Need.tenant_id)
        .outerjoin(levels, levels.c.need_id == Need.id)
        .where(Need.cycle_id == cycle.id, Need.status.in_(ANALYSED_NEED_STATUSES))
    )


def _coverage_cells(cycle: Cycle, *columns) -> list[tuple]:
    """Return (economy, *columns, needs, covered, partial, gaps) of the analysed needs."""
    levels = _coverage_levels(cycle)
    statement = (
        _analysed_needs(cycle, levels)
        .with_only_columns(
            Tenant.economy_id,
            *columns,
            func.count(),
            func.sum(case((levels.c.level == FULL, 1), else_=0)),
            func.sum(case((levels.c.level == PARTIAL, 1), else_=0)),
            func.sum(case((levels.c.level.is_(None), 1), else_=0)),
            maintain_column_froms=True,
        )
        .group_by(Tenant.economy_id, *columns)
    )
    # Kept for the reader while the records it counts are unchanged (portal.kept_results):
    # the dashboard, the analysis and the reports all start from these cells.
    return list(kept_results.ranking(statement, "coverage"))


def _arranged(dimension: str, cells: dict[tuple[int, int], CoverageCell]) -> CoverageMatrix:
    """Return the matrix of ``cells`` with its rows, columns and totals."""
    reference, _ = DIMENSIONS[dimension]
    matrix = CoverageMatrix(
        dimension=dimension,
        economies=list(
            db.session.scalars(select(PartnerEconomy).order_by(PartnerEconomy.position))
        ),
        columns=list(db.session.scalars(select(reference).order_by(reference.position))),
        cells=cells,
    )
    # Totals of a handful of aggregate cells, not of rows.
    for (economy_id, column_id), cell in cells.items():
        matrix.row_totals.setdefault(economy_id, CoverageCell()).add(cell)
        matrix.column_totals.setdefault(column_id, CoverageCell()).add(cell)
        matrix.total.add(cell)
    return matrix


def coverage_matrix(cycle: Cycle, dimension: str = "pillar") -> CoverageMatrix:
    """Return the coverage matrix of ``cycle``: partner economies by pillars or categories."""
    require(can_read_records, current_principal())
    _, column = DIMENSIONS[dimension]
    cells = {
        (economy_id, column_id): CoverageCell(needs, covered, partial, gaps)
        for economy_id, column_id, needs, covered, partial, gaps in _coverage_cells(cycle, column)
    }
    return _arranged(dimension, cells)


def coverage_matrices(cycle: Cycle) -> list[CoverageMatrix]:
    """Return the coverage matrices of ``cycle`` by pillar and by category, from one statement.

    The links' coverage levels are the costly part of a matrix; grouping the needs by
    economy, pillar and category at once computes them once for both matrices, and the
    two are then added up from the few dozen aggregate rows.
    """
    require(can_read_records, current_principal())
    by_pillar: dict[tuple[int, int], CoverageCell] = {}
    by_category: dict[tuple[int, int], CoverageCell] = {}
    rows = _coverage_cells(cycle, Need.pillar_id, Need.category_id)
    for economy_id, pillar_id, category_id, needs, covered, partial, gaps in rows:
        cell = CoverageCell(needs, covered, partial, gaps)
        by_pillar.setdefault((economy_id, pillar_id), CoverageCell()).add(cell)
        by_category.setdefault((economy_id, category_id), CoverageCell()).add(cell)
    return [_arranged("pillar", by_pillar), _arranged("category", by_category)]


def coverage_trend() -> list[CycleCoverage]:
    """Return the coverage of every cycle the principal may read, oldest first.

    Each cycle's figures are the total of its matrices (``coverage_matrix``), counted as
    the principal counts them, from one statement grouping every analysed need by cycle,
    kept while the data is unchanged (``portal.kept_results``).
    """
    require(can_read_records, current_principal())
    levels = _levels_of(_counted_links(None))
    statement = (
        select(
            Need.cycle_id,
            func.count(),
            func.sum(case((levels.c.level == FULL, 1), else_=0)),
            func.sum(case((levels.c.level == PARTIAL, 1), else_=0)),
            func.sum(case((levels.c.level.is_(None), 1), else_=0)),
        )
        .outerjoin(levels, levels.c.need_id == Need.id)
        .where(Need.status.in_(ANALYSED_NEED_STATUSES))
        .group_by(Need.cycle_id)
    )
    figures = {
        cycle_id: CoverageCell(needs, covered, partial, gaps)
        for cycle_id, needs, covered, partial, gaps in kept_results.ranking(statement, "trend")
    }
    cycles = db.session.scalars(select(Cycle).order_by(Cycle.starts_on, Cycle.id))
    return [CycleCoverage(cycle, figures.get(cycle.id, CoverageCell())) for cycle in cycles]


def _cell_needs(
    cycle: Cycle,
    economy_id: int | None,
    pillar_id: int | None,
    category_id: int | None,
    coverage: str,
) -> Select:
    """Return (Need, level) for the needs of one matrix cell, filtered by coverage."""
    cell = []
    if economy_id is not None:
        cell.append(Need.tenant_id.in_(select(Tenant.id).where(Tenant.economy_id == economy_id)))
    if pillar_id is not None:
        cell.append(Need.pillar_id == pillar_id)
    if category_id is not None:
        cell.append(Need.category_id == category_id)
    levels = _coverage_levels(cycle, *cell)
    statement = _analysed_needs(cycle, levels).add_columns(levels.c.level).where(*cell)
    if coverage == "covered":
        statement = statement.where(levels.c.level == FULL)
    elif coverage == "partial":
        statement = statement.where(levels.c.level == PARTIAL)
    elif coverage == "gap":
        statement = statement.where(levels.c.level.is_(None))
    return statement


def needs_with_levels(
    cycle: Cycle, economy_id: int | None = None, pillar_id: int | None = None
) -> Select:
    """Return a statement of (Need, level) for the analysed needs of a partner and pillar.

    The level is ``FULL``, ``PARTIAL`` or ``None`` (a gap), as the matrices count it;
    either narrowing may be left out. The reports list the needs from it.
    """
    require(can_read_records, current_principal())
    return _cell_needs(cycle, economy_id, pillar_id, None, "all")


def counted_links(cycle: Cycle) -> Select:
    """Return a statement of the need ids of the cycle's counted links, to add columns to."""
    require(can_read_records, current_principal())
    return _counted_links(cycle)


def _page_and_total(statement: Select, order: tuple, page: int, per_page: int) -> tuple:
    """Return one page of ``statement``'s rows, listed, and how many rows there are in all.

    ``statement`` selects ``Need`` and perhaps columns after it. The needs are ranked by
    their keys alone (and those columns): a ranking kept while the data is unchanged
    (``portal.kept_results``), as every page and the total come from the same one. Only
    the page's needs are then loaded, with what their rows show.
    """
    extra = list(statement.selected_columns)[len(Need.__table__.columns) :]
    keys = statement.with_only_columns(Need.id, *extra, maintain_column_froms=True)
    ranked = kept_results.ranking(keys.order_by(*order))
    rows = ranked[(page - 1) * per_page : page * per_page]
    if not rows:
        return [], len(ranked)
    listed = db.session.scalars(_listed(select(Need).where(Need.id.in_([row[0] for row in rows]))))
    needs = {need.id: need for need in listed.unique()}
    # A need withdrawn since the ranking was made is left out rather than failing.
    return [(needs[row[0]], *row[1:]) for row in rows if row[0] in needs], len(ranked)


def needs_in_cell(
    cycle: Cycle,
    economy_id: int | None = None,
    pillar_id: int | None = None,
    category_id: int | None = None,
    coverage: str = "all",
    page: int = 1,
    per_page: int = 25,
) -> Page:
    """Return a page of (need, coverage name) behind a cell of the matrix, or the gaps."""
    require(can_read_records, current_principal())
    statement = _cell_needs(cycle, economy_id, pillar_id, category_id, coverage)
    rows, total = _page_and_total(statement, (Need.id,), page, per_page)
    items = [(need, COVERAGE_NAMES[level]) for need, level in rows]
    return Page(items=items, number=page, per_page=per_page, total=total)


def all_needs_in_cell(
    cycle: Cycle,
    economy_id: int | None = None,
    pillar_id: int | None = None,
    category_id: int | None = None,
    coverage: str = "all",
) -> Iterator[tuple]:
    """Yield (id, title, economy, pillar, category, priority, status, coverage, code) for a CSV."""
    require(can_read_records, current_principal())
    statement = (
        _cell_needs(cycle, economy_id, pillar_id, category_id, coverage)
        .join(PartnerEconomy, PartnerEconomy.id == Tenant.economy_id)
        .join(Pillar, Pillar.id == Need.pillar_id)
        .join(NeedCategory, NeedCategory.id == Need.category_id)
    )
    levels = list(statement.selected_columns)[-1]
    statement = statement.with_only_columns(
        Need.id,
        Need.title,
        PartnerEconomy.code,
        Pillar.code,
        NeedCategory.code,
        Need.priority,
        Need.status,
        Need.code,
        levels,
        maintain_column_froms=True,
    )
    for *values, code, level in db.session.execute(
        statement.order_by(Need.id).limit(LARGEST_EXPORT)
    ):
        yield (*values, COVERAGE_NAMES[level], code)


def _synergy_counts(cycle: Cycle):
    """Return a subquery of (need_id, tenants) for needs counted-linked by two or more tenants."""
    tenants = func.count(distinct(SupportLink.response_tenant_id))
    return (
        _counted_links(cycle)
        .add_columns(tenants.label("tenants"))
        .group_by(SupportLink.need_id)
        .having(tenants >= 2)
        .subquery("synergy_counts")
    )


def synergies(cycle: Cycle, page: int = 1, per_page: int = 25) -> Page:
    """Return a page of the cycle's needs addressed by responses of two or more tenants."""
    require(can_read_records, current_principal())
    counts = _synergy_counts(cycle)
    # The links already name the cycle; saying it of the needs too lets the database
    # read the cycle's needs from their index rather than every need it may read.
    statement = (
        select(Need).join(counts, counts.c.need_id == Need.id).where(Need.cycle_id == cycle.id)
    )
    rows, total = _page_and_total(statement, (counts.c.tenants.desc(), Need.id), page, per_page)
    needs = [need for (need,) in rows]
    tenants = _addressing_tenants(cycle, [need.id for need in needs])
    items = [Synergy(need, tenants.get(need.id, [])) for need in needs]
    return Page(items=items, number=page, per_page=per_page, total=total)


def all_synergies(cycle: Cycle) -> Iterator[tuple]:
    """Yield (need id, title, economy, pillar, tenant count, tenant codes, code) for a CSV."""
    require(can_read_records, current_principal())
    counts = _synergy_counts(cycle)
    rows = db.session.execute(
        select(Need.id, Need.title, PartnerEconomy.code, Pillar.code, counts.c.tenants, Need.code)
        .join(counts, counts.c.need_id == Need.id)
        .join(Tenant, Tenant.id == Need.tenant_id)
        .join(PartnerEconomy, PartnerEconomy.id == Tenant.economy_id)
        .join(Pillar, Pillar.id == Need.pillar_id)
        .order_by(Need.id)
        .limit(LARGEST_EXPORT)
    ).all()
    tenants = _addressing_tenants(cycle, [row[0] for row in rows])
    for *row, code in rows:
        yield (*row, " ".join(tenant.code for tenant in tenants.get(row[0], [])), code)


def _addressing_tenants(cycle: Cycle, need_ids: list[int]) -> dict[int, list[Tenant]]:
    """Return, for each of ``need_ids``, the tenants whose responses address it.

    The pairs come from the cycle's links (kept while unchanged, ``portal.kept_results``),
    the tenants from one query of the few organisations they name.
    """
    if not need_ids:
        return {}
    pairs = kept_results.ranking(
        _counted_links(cycle)
        .add_columns(SupportLink.response_tenant_id)
        .where(SupportLink.need_id.in_(need_ids))
        .distinct(),
        kind="pairs",
    )
    named = {tenant_id for _, tenant_id in pairs}
    by_id = {
        tenant.id: tenant
        for tenant in db.session.scalars(select(Tenant).where(Tenant.id.in_(named)))
    }
    tenants: dict[int, list[Tenant]] = {}
    for need_id, tenant_id in pairs:
        if tenant_id in by_id:  # an organisation removed since the pairs were kept
            tenants.setdefault(need_id, []).append(by_id[tenant_id])
    for listed in tenants.values():
        listed.sort(key=lambda tenant: tenant.code)
    return tenants


def _funding(cycle: Cycle, reference, key) -> list[FundingRow]:
    """Return the budgets of responses addressing the cycle's needs, per ``key`` and currency.

    A response counts once per pillar (or partner) whose needs it addresses, with its whole
    budget: budgets are not split between the needs of a response, so the rows of one
    currency may add up to more than was spent. Currencies are never converted.
    """
    # Distinct (key, response) pairs from the links' own columns first; only those
    # responses are then looked up for their budgets.
    addressed = (
        _counted_links(cycle)
        .with_only_columns(key.label("key"), SupportLink.response_id, maintain_column_froms=True)
        .distinct()
        .subquery("addressed")
    )
    budgets = (
        select(
            addressed.c.key,
            Response.id.label("response_id"),
            Response.budget_amount.label("amount"),
            Response.budget_currency.label("currency"),
        )
        .join(Response, Response.id == addressed.c.response_id)
        .where(Response.budget_amount.is_not(None))
        .subquery("budgets")
    )
    statement = (
        select(
            reference.code,
            reference.name,
            budgets.c.currency,
            func.sum(budgets.c.amount),
            func.count(budgets.c.response_id),
        )
        .join(budgets, budgets.c.key == reference.id)
        .group_by(reference.id, reference.code, reference.name, reference.position)
        .group_by(budgets.c.currency)
        .order_by(reference.position, budgets.c.currency)
    )
    # Kept for the reader while the records it adds up are unchanged (portal.kept_results).
    rows = kept_results.ranking(statement, "funding")
    return [
        FundingRow(code, name, currency, Decimal(str(amount)).quantize(CENT), responses)
        for code, name, currency, amount, responses in rows
    ]


def funding_by_pillar(cycle: Cycle) -> list[FundingRow]:
    """Return the budgets addressing the cycle's needs, per pillar and currency."""
    require(can_read_records, current_principal())
    return _funding(cycle, Pillar, SupportLink.need_pillar_id)


def funding_by_partner(cycle: Cycle) -> list[FundingRow]:
    """Return the budgets addressing the cycle's needs, per partner economy and currency."""
    require(can_read_records, current_principal())
    # The economy of the need's owner, from the link's own copy of the owner.
    economy = (
        select(Tenant.economy_id).where(Tenant.id == SupportLink.need_tenant_id).scalar_subquery()
    )
    rows = _funding(cycle, PartnerEconomy, economy)
    # Economies are named as on every page: Kosovo* with its asterisk.
    names = {found.code: found.display_name for found in db.session.scalars(select(PartnerEconomy))}
    return [replace(row, name=names.get(row.code, row.name)) for row in rows]


def cell_references(
    economy_id: int | None, pillar_id: int | None, category_id: int | None
) -> dict[str, object]:
    """Return the economy, pillar and category a drill-down names; refuse unknown ids."""
    require(can_read_records, current_principal())
    wanted = (
        ("economy", PartnerEconomy, economy_id, "partner"),
        ("pillar", Pillar, pillar_id, "pillar"),
        ("category", NeedCategory, category_id, "category"),
    )
    found: dict[str, object] = {}
    for name, model, key, label in wanted:
        if key is None:
            continue
        found[name] = db.session.get(model, key)
        if found[name] is None:
            raise ValidationFailed(
                f"There is no such {label}.", {name: f"Choose a {label} from the list."}
            )
    return found


def cell_by_codes(
    economy: str | None, pillar: str | None, category: str | None
) -> tuple[int | None, int | None, int | None]:
    """Return the ids of the economy, pillar and category named by their codes; refuse others."""
    require(can_read_records, current_principal())
    wanted = (
        ("economy", PartnerEconomy, economy, "partner economy"),
        ("pillar", Pillar, pillar, "pillar"),
        ("category", NeedCategory, category, "category"),
    )
    ids: list[int | None] = []
    problems: dict[str, str] = {}
    for name, model, code, label in wanted:
        found = None
        if code is not None:
            found = db.session.scalar(select(model.id).where(model.code == code))
            if found is None:
                problems[name] = f"There is no {label} {quoted(code)}."
        ids.append(found)
    if problems:
        raise ValidationFailed("Some filters need attention.", problems)
    return ids[0], ids[1], ids[2]
