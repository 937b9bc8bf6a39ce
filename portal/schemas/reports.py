"""Query-string parameters of the reports: which part of a report is asked for."""

from __future__ import annotations

from marshmallow import fields, validate

from portal.schemas import InputSchema
from portal.schemas.forms import FormSchema, printable


def _code(name: str) -> fields.String:
    return fields.String(
        load_default=None,
        validate=[
            validate.Length(min=1, max=20, error=f"A {name} code has 1 to 20 characters."),
            printable,
        ],
    )


class ReportQuerySchema(FormSchema):
    """A report of one partner economy or one pillar (by code), or of everything.

    A blank code (the forms' "All partners") means not narrowed.
    """

    partner = _code("partner")
    pillar = _code("pillar")


class WithdrawEditionSchema(InputSchema):
    """Why a published edition is withdrawn: said on the public page beside it."""

    reason = fields.String(
        required=True,
        validate=validate.Length(
            min=10, max=2000, error="Say why in 10 to 2,000 characters: readers see it."
        ),
        error_messages={"required": "Say why the edition is withdrawn."},
    )
