"""The gap analysis of a cycle: coverage, gaps, synergies and funding, as the pages show it.

Every endpoint takes ``cycle``, a cycle's name; without it the open cycle is analysed, or
else the latest, as on the pages.
"""

from __future__ import annotations

from dataclasses import replace

from marshmallow import fields, validate

from portal.api.core import COMMON_ERRORS, Blueprint, listed, page_schema
from portal.exceptions import NotFound
from portal.schemas.analysis_output import (
    AnalysedNeedOutputSchema,
    CoverageOutputSchema,
    FundingOutputSchema,
    SynergyOutputSchema,
)
from portal.schemas.forms import FormSchema, ListQuerySchema, printable
from portal.services import analysis

PATH = "/analysis"
blueprint = Blueprint(
    "api_analysis", __name__, description="The gap analysis of a needs mapping cycle."
)
GapPageSchema = page_schema(AnalysedNeedOutputSchema, "GapPage")
SynergyPageSchema = page_schema(SynergyOutputSchema, "SynergyPage")


def _code(label: str) -> fields.String:
    return fields.String(
        load_default=None,
        validate=[validate.Length(max=20, error=f"Choose a {label} by its code."), printable],
        metadata={"description": f"Only the needs of this {label} (its code)."},
    )


class CycleArguments(FormSchema):
    cycle = fields.String(
        load_default=None,
        validate=[validate.Length(max=20, error="Name the cycle by its years."), printable],
        metadata={
            "description": "The cycle's name, e.g. 2026-2027; the open cycle (else the "
            "latest) without it."
        },
    )


class GapArguments(CycleArguments, ListQuerySchema):
    economy = _code("partner economy")
    pillar = _code("pillar")
    category = _code("need category")


class SynergyArguments(CycleArguments, ListQuerySchema):
    pass


def _cycle(name: str | None):
    cycle = analysis.choose_cycle_named(name)
    if cycle is None:
        raise NotFound("There is no needs mapping cycle to analyse yet.")
    return cycle


@blueprint.route("/coverage")
@blueprint.arguments(CycleArguments, location="query")
@blueprint.response(200, CoverageOutputSchema)
@blueprint.errors(*COMMON_ERRORS, 422)
def coverage(query):
    """Count the cycle's needs per partner economy and pillar (and need category)."""
    cycle = _cycle(query["cycle"])
    by_pillar, by_category = analysis.coverage_matrices(cycle)
    return {"cycle": cycle, "by_pillar": by_pillar, "by_category": by_category}


@blueprint.route("/gaps")
@blueprint.arguments(GapArguments, location="query")
@blueprint.response(200, GapPageSchema)
@blueprint.errors(*COMMON_ERRORS, 422)
def gaps(query):
    """List the cycle's needs that no counted support link addresses, by id."""
    cycle = _cycle(query["cycle"])
    cell = analysis.cell_by_codes(query["economy"], query["pillar"], query["category"])
    page = analysis.needs_in_cell(cycle, *cell, "gap", query["page"], query["per_page"])
    return listed(replace(page, items=[need for need, _coverage in page.items]))


@blueprint.route("/synergies")
@blueprint.arguments(SynergyArguments, location="query")
@blueprint.response(200, SynergyPageSchema)
@blueprint.errors(*COMMON_ERRORS, 422)
def synergies(query):
    """List the cycle's needs addressed by responses of two or more organisations."""
    cycle = _cycle(query["cycle"])
    return listed(analysis.synergies(cycle, query["page"], query["per_page"]))


@blueprint.route("/funding")
@blueprint.arguments(CycleArguments, location="query")
@blueprint.response(200, FundingOutputSchema)
@blueprint.errors(*COMMON_ERRORS, 422)
def funding(query):
    """Sum the budgets of the responses addressing the cycle's needs, per pillar and economy.

    Per currency: currencies are never converted. A response counts once per pillar (or
    economy) whose needs it addresses, with its whole budget.
    """
    cycle = _cycle(query["cycle"])
    return {
        "cycle": cycle,
        "by_pillar": analysis.funding_by_pillar(cycle),
        "by_partner": analysis.funding_by_partner(cycle),
    }
