"""The gap analysis of a needs mapping cycle: matrices, gaps, synergies, funding, CSV."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from portal.analysis.export import csv_download
from portal.authz import can_read_records, require
from portal.charts import PAGE, funding_charts
from portal.exceptions import NotFound
from portal.identity import current_principal
from portal.schemas.analysis import (
    AnalysisQuerySchema,
    NeedsDrillDownSchema,
    SynergiesQuerySchema,
)
from portal.schemas.forms import load_form
from portal.services import analysis
from portal.services import cycles as cycle_service

blueprint = Blueprint("analysis", __name__, url_prefix="/analysis")

# The columns every CSV of needs starts with; the need's code comes last, so that
# spreadsheets reading the columns by position keep working.
NEED_HEADER = ("id", "title", "partner", "pillar")
COVERAGE_HEADER = ("partner", "column", "needs", "covered", "partially covered", "gaps")
FUNDING_HEADER = ("code", "name", "currency", "amount", "responses")


def _cycle(schema):
    """Load the query string with ``schema`` and find the cycle it names (or the default)."""
    # Asked before the query is loaded, so that a refused query answers someone who may read.
    require(can_read_records, current_principal())
    query = load_form(schema, request.args)
    return query, analysis.choose_cycle(query["cycle"])


def _required(cycle):
    if cycle is None:
        raise NotFound("There is no needs mapping cycle to analyse yet.")
    return cycle


@blueprint.get("")
def overview():
    """Show the coverage matrices, trend across cycles, gaps, synergies and funding of a cycle."""
    query, cycle = _cycle(AnalysisQuerySchema())
    if cycle is None:
        return render_template("analysis/overview.html", cycle=None, cycles=[])
    funding = {"pillar": analysis.funding_by_pillar(cycle)}
    funding["partner"] = analysis.funding_by_partner(cycle)
    return render_template(
        "analysis/overview.html",
        cycle=cycle,
        cycles=cycle_service.list_cycles(),
        matrices=analysis.coverage_matrices(cycle),
        trend=analysis.coverage_trend(),
        synergies=analysis.synergies(cycle, per_page=10),
        funding=funding,
        charts={key: funding_charts(rows, PAGE) for key, rows in funding.items()},
    )


@blueprint.get("/coverage-by-pillar.csv")
def coverage_by_pillar_csv():
    """Download the coverage matrix partner x pillar as CSV."""
    return _coverage_csv("pillar")


@blueprint.get("/coverage-by-category.csv")
def coverage_by_category_csv():
    """Download the coverage matrix partner x category as CSV."""
    return _coverage_csv("category")


@blueprint.get("/funding-by-pillar.csv")
def funding_by_pillar_csv():
    """Download the funding per pillar and currency as CSV."""
    return _funding_csv("pillar")


@blueprint.get("/funding-by-partner.csv")
def funding_by_partner_csv():
    """Download the funding per partner and currency as CSV."""
    return _funding_csv("partner")


def _coverage_csv(dimension: str):
    """Answer a coverage matrix as CSV, one row per partner and pillar (or category)."""
    _query, cycle = _cycle(AnalysisQuerySchema())
    matrix = analysis.coverage_matrix(_required(cycle), dimension)
    rows = [
        (economy.code, column.code, *vars(matrix.cell(economy.id, column.id)).values())
        for economy in matrix.economies
        for column in matrix.columns
    ]
    header = (*COVERAGE_HEADER[:1], dimension, *COVERAGE_HEADER[2:])
    return csv_download(f"iisg-{cycle.name}-coverage-by-{dimension}.csv", header, rows)


def _funding_csv(dimension: str):
    """Answer the funding per pillar (or partner) and currency as CSV."""
    _query, cycle = _cycle(AnalysisQuerySchema())
    finder = analysis.funding_by_pillar if dimension == "pillar" else analysis.funding_by_partner
    rows = [vars(row).values() for row in finder(_required(cycle))]
    return csv_download(f"iisg-{cycle.name}-funding-by-{dimension}.csv", FUNDING_HEADER, rows)


@blueprint.get("/needs")
def needs():
    """List the needs behind a cell of the coverage matrix (all of a cycle's gaps, say)."""
    query, cycle = _cycle(NeedsDrillDownSchema())
    cycle = _required(cycle)
    cell = {key: query[key] for key in ("economy", "pillar", "category")}
    references = analysis.cell_references(*cell.values())
    if query["format"] == "csv":
        rows = analysis.all_needs_in_cell(cycle, *cell.values(), query["coverage"])
        header = (*NEED_HEADER, "category", "priority", "status", "coverage", "need code")
        return csv_download(f"iisg-{cycle.name}-needs-{query['coverage']}.csv", header, rows)
    page = analysis.needs_in_cell(
        cycle, *cell.values(), query["coverage"], query["page"], query["per_page"]
    )
    return render_template(
        "analysis/needs.html", cycle=cycle, page=page, query=query, references=references
    )


@blueprint.get("/synergies")
def synergies():
    """List the needs addressed by responses of two or more tenants."""
    query, cycle = _cycle(SynergiesQuerySchema())
    cycle = _required(cycle)
    if query["format"] == "csv":
        header = (*NEED_HEADER, "tenants", "tenant codes", "need code")
        rows = analysis.all_synergies(cycle)
        return csv_download(f"iisg-{cycle.name}-synergies.csv", header, rows)
    page = analysis.synergies(cycle, query["page"], query["per_page"])
    return render_template("analysis/synergies.html", cycle=cycle, page=page, query=query)
