"""Query-string parameters of the analysis pages and their CSV downloads."""

from __future__ import annotations

from marshmallow import fields, validate

from portal.schemas import InputSchema

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


def _page_number() -> fields.Integer:
    return fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=100_000, error="Pages start at 1."),
        error_messages={"invalid": "The page must be a whole number."},
    )


def _page_size() -> fields.Integer:
    return fields.Integer(
        load_default=25,
        validate=validate.Range(min=1, max=100, error="Show 1 to 100 per page."),
        error_messages={"invalid": "The page size must be a whole number."},
    )


class AnalysisQuerySchema(InputSchema):
    """Which cycle to analyse, and whether as a page or a CSV file."""

    cycle = _identifier("cycle")
    format = fields.String(
        load_default="html",
        validate=validate.OneOf(FORMATS, error="Formats are: html, csv."),
    )


class NeedsDrillDownSchema(AnalysisQuerySchema):
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
    page = _page_number()
    per_page = _page_size()


class SynergiesQuerySchema(AnalysisQuerySchema):
    """The page of the synergies list."""

    page = _page_number()
    per_page = _page_size()
