"""Output shapes of the gap analysis: coverage matrices, gaps, synergies and funding.

The figures are those of ``portal.services.analysis`` (its docstring defines analysed
needs, counted links, covered, partial and gap), as the viewer may see them.
"""

from __future__ import annotations

from marshmallow import fields

from portal.schemas.cycles_output import CycleReferenceOutputSchema
from portal.schemas.output import Grouped, Money, OutputSchema
from portal.schemas.reference_output import (
    CodedReferenceOutputSchema,
    EconomyOutputSchema,
    TenantReferenceOutputSchema,
)


class CoverageFiguresOutputSchema(OutputSchema):
    """How many analysed needs there are, and how far they are addressed."""

    needs = fields.Integer()
    covered = fields.Integer()
    partial = fields.Integer()
    gaps = fields.Integer()
    # The gaps as a whole percentage of the needs (0 where there are none).
    gap_share = fields.Integer()


class CoverageCellOutputSchema(OutputSchema):
    """One cell of a matrix: its column (a pillar or a need category) and its figures."""

    column = fields.Nested(CodedReferenceOutputSchema)
    needs = fields.Integer(attribute="figures.needs")
    covered = fields.Integer(attribute="figures.covered")
    partial = fields.Integer(attribute="figures.partial")
    gaps = fields.Integer(attribute="figures.gaps")
    gap_share = fields.Integer(attribute="figures.gap_share")


class CoverageRowOutputSchema(OutputSchema):
    """A partner economy's row: a cell for every column, empty ones included, and its total."""

    economy = fields.Nested(EconomyOutputSchema)
    cells = fields.List(fields.Nested(CoverageCellOutputSchema))
    total = fields.Nested(CoverageFiguresOutputSchema)


class CoverageMatrixOutputSchema(OutputSchema):
    """Partner economies by pillars (or need categories), with the totals of both."""

    rows = fields.List(fields.Nested(CoverageRowOutputSchema))
    totals = fields.List(
        fields.Nested(CoverageCellOutputSchema),
        metadata={"description": "The total of each column, over every economy."},
    )
    total = fields.Nested(CoverageFiguresOutputSchema)


class CoverageOutputSchema(OutputSchema):
    """The coverage of one cycle's needs, by pillar and by need category."""

    cycle = fields.Nested(CycleReferenceOutputSchema)
    by_pillar = fields.Nested(CoverageMatrixOutputSchema)
    by_category = fields.Nested(CoverageMatrixOutputSchema)


class AnalysedNeedOutputSchema(OutputSchema):
    """A need as the analysis lists it: enough to recognise it and place it in a matrix."""

    id = fields.Integer()
    code = fields.String()
    title = fields.String()
    status = fields.String()
    priority = fields.String()
    cycle = fields.Nested(CycleReferenceOutputSchema)
    owner = fields.Nested(TenantReferenceOutputSchema, attribute="tenant")
    economy = fields.Nested(
        EconomyOutputSchema, attribute="tenant.economy", dump_default=None, allow_none=True
    )
    pillar = fields.Nested(CodedReferenceOutputSchema)
    category = fields.Nested(CodedReferenceOutputSchema)


class SynergyOutputSchema(OutputSchema):
    """A need addressed by responses of two or more organisations, and those organisations."""

    need = fields.Nested(AnalysedNeedOutputSchema)
    tenants = fields.List(fields.Nested(TenantReferenceOutputSchema))


class PillarFundingOutputSchema(OutputSchema):
    """The budgets addressing one pillar's needs in one currency.

    A response counts once per row, with its whole budget: budgets are not split between
    the needs a response addresses, and currencies are never converted.
    """

    pillar = Grouped(CodedReferenceOutputSchema)
    budget = Money("amount", "currency", allow_none=False)
    responses = fields.Integer()


class EconomyFundingOutputSchema(OutputSchema):
    """The budgets addressing one partner economy's needs in one currency (as by pillar)."""

    # The row's name is the economy's display name already (Kosovo*).
    economy = Grouped(CodedReferenceOutputSchema)
    budget = Money("amount", "currency", allow_none=False)
    responses = fields.Integer()


class FundingOutputSchema(OutputSchema):
    """The funding of one cycle's needs, by pillar and by partner economy."""

    cycle = fields.Nested(CycleReferenceOutputSchema)
    by_pillar = fields.List(fields.Nested(PillarFundingOutputSchema))
    by_partner = fields.List(fields.Nested(EconomyFundingOutputSchema))
