"""Output shapes of needs: the whole record, and the summary a support link shows."""

from __future__ import annotations

from marshmallow import fields

from portal.schemas.cycles_output import CycleReferenceOutputSchema
from portal.schemas.output import OutputSchema, Timestamp
from portal.schemas.reference_output import (
    AcquisChapterOutputSchema,
    CodedReferenceOutputSchema,
    EconomyOutputSchema,
    TenantReferenceOutputSchema,
)


class NeedSummaryOutputSchema(OutputSchema):
    """A need as a support link names it: enough to recognise it."""

    id = fields.Integer()
    code = fields.String()
    title = fields.String()
    status = fields.String()
    pillar = fields.Nested(CodedReferenceOutputSchema)
    economy = fields.Nested(
        EconomyOutputSchema, attribute="tenant.economy", dump_default=None, allow_none=True
    )


class NeedOutputSchema(OutputSchema):
    """A need of one partner in one cycle, with its reference data named."""

    id = fields.Integer()
    code = fields.String()
    version = fields.Integer()
    cycle = fields.Nested(CycleReferenceOutputSchema)
    owner = fields.Nested(TenantReferenceOutputSchema, attribute="tenant")
    economy = fields.Nested(
        EconomyOutputSchema, attribute="tenant.economy", dump_default=None, allow_none=True
    )
    pillar = fields.Nested(CodedReferenceOutputSchema)
    category = fields.Nested(CodedReferenceOutputSchema)
    perspective = fields.Nested(CodedReferenceOutputSchema)
    acquis_chapters = fields.List(fields.Nested(AcquisChapterOutputSchema))
    title = fields.String()
    description = fields.String()
    source_reference = fields.String()
    priority = fields.String()
    status = fields.String()
    return_comment = fields.String(allow_none=True)
    previous_need_id = fields.Integer(allow_none=True)
    created_at = Timestamp()
    updated_at = Timestamp()
