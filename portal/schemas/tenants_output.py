"""Output shape of tenants: the organisations whose people use the portal."""

from __future__ import annotations

from marshmallow import fields

from portal.schemas.output import OutputSchema, Timestamp
from portal.schemas.reference_output import EconomyOutputSchema


class TenantOutputSchema(OutputSchema):
    """An organisation, with the economy a partner speaks for (null for the others)."""

    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    economy = fields.Nested(EconomyOutputSchema, allow_none=True)
    active = fields.Boolean()
    created_at = Timestamp()
