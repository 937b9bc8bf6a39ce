"""Input for creating API tokens."""

from __future__ import annotations

from marshmallow import fields, validate

from portal.models.session import TOKEN_SCOPES
from portal.schemas import InputSchema

LONGEST_VALIDITY_DAYS = 365


class ApiTokenCreateSchema(InputSchema):
    name = fields.String(
        required=True,
        validate=validate.Length(
            min=1, max=100, error="Give the token a name of 1 to 100 characters."
        ),
        error_messages={"required": "Give the token a name, e.g. the script that uses it."},
    )
    days = fields.Integer(
        load_default=90,
        validate=validate.Range(
            min=1,
            max=LONGEST_VALIDITY_DAYS,
            error=f"A token is valid for 1 to {LONGEST_VALIDITY_DAYS} days.",
        ),
        error_messages={"invalid": "Enter a whole number of days."},
    )
    scope = fields.String(
        required=True,
        validate=validate.OneOf(
            TOKEN_SCOPES,
            error="A token's scope is read (it may only read) or write (it may also change"
            " records).",
        ),
        error_messages={"required": "Choose what the token may do: read, or also write."},
    )
