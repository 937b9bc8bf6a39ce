"""Query-string parameters of the analysis pages and their CSV downloads."""

from __future__ import annotations

from marshmallow import fields, validate

from portal.schemas import InputSchema
from portal.schemas.forms import ListQuerySchema

COVERAGE_FILTERS = ("all", "gap", "partial", "covered")
FORMATS = ("html", "csv")
LARGEST_ID = 2**31 - 1


def _identifier(name: str) -> fields.Integer:
    """Return a field for the id of a ``name``: a positive whole number, optional."""
    return fields.Integer(
        load_default=None,
        strict=False,
        validate=validate.Range(min=1, max=LARGEST_ID, error=f"Choose a {name} from the list."),
        error_messages={"invalid": f"The {name} must be given by its number."},
    )


class AnalysisQuerySchema(InputSchema):
    """Which cycle to analyse, and whether as a page or a CSV file."""

    cycle = _identifier("cycle")
    format = fields.String(
        load_default="html",
        validate=validate.OneOf(FORMATS, error="Formats are: html, csv."),
    )


class NeedsDrillDownSchema(AnalysisQuerySchema, ListQuerySchema):
    """The cell of a coverage matrix whose needs are listed, and the page of them."""

    economy = _identifier("partner")
    pillar = _identifier("pillar")
    category = _identifier("category")
    coverage = fields.String(
        load_default="all",
        validate=validate.OneOf(
            COVERAGE_FILTERS, error="Coverage is one of: " + ", ".join(COVERAGE_FILTERS) + "."
        ),
    )


class SynergiesQuerySchema(AnalysisQuerySchema, ListQuerySchema):
    """The page of the synergies list."""
