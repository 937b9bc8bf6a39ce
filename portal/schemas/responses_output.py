"""Output shapes of responses: the whole record, and the summary a support link shows."""

from __future__ import annotations

from marshmallow import fields

from portal.schemas.output import Money, OutputSchema, Timestamp
from portal.schemas.reference_output import (
    CodedReferenceOutputSchema,
    EconomyOutputSchema,
    PartyOutputSchema,
    TenantReferenceOutputSchema,
)


class ResponseSummaryOutputSchema(OutputSchema):
    """A response as a support link names it: enough to recognise it."""

    id = fields.Integer()
    title = fields.String()
    owner = fields.Nested(TenantReferenceOutputSchema, attribute="tenant")


class ResponseOutputSchema(OutputSchema):
    """A programme or action of an IISG member, with who funds, runs and benefits from it."""

    id = fields.Integer()
    version = fields.Integer()
    owner = fields.Nested(TenantReferenceOutputSchema, attribute="tenant")
    title = fields.String()
    description = fields.String()
    pillars = fields.List(fields.Nested(CodedReferenceOutputSchema))
    support_type = fields.String()
    instrument = fields.String()
    donors = fields.List(fields.Nested(PartyOutputSchema))
    implementers = fields.List(fields.Nested(PartyOutputSchema))
    beneficiaries = fields.List(fields.Nested(EconomyOutputSchema))
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    budget = Money("budget_amount", "budget_currency")
    implementation_status = fields.String()
    record_status = fields.String()
    visibility = fields.String()
    external_reference = fields.String(allow_none=True)
    created_at = Timestamp()
    updated_at = Timestamp()
