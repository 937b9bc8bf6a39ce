"""Output shape of support links: which response addresses which need, and how far agreed."""

from __future__ import annotations

from marshmallow import fields

from portal.schemas.needs_output import NeedSummaryOutputSchema
from portal.schemas.output import OutputSchema, Timestamp
from portal.schemas.responses_output import ResponseSummaryOutputSchema


class SupportLinkOutputSchema(OutputSchema):
    """A response's claim to address a need, with both ends named."""

    id = fields.Integer()
    version = fields.Integer()
    need = fields.Nested(NeedSummaryOutputSchema)
    response = fields.Nested(ResponseSummaryOutputSchema)
    coverage = fields.String()
    status = fields.String()
    note = fields.String()
    confirmed_at = Timestamp()
    validated_at = Timestamp()
    created_at = Timestamp()
    updated_at = Timestamp()
