"""Output shapes of users: who they are and what they may do, never how they sign in."""

from __future__ import annotations

from marshmallow import fields

from portal.schemas.output import OutputSchema
from portal.schemas.reference_output import TenantReferenceOutputSchema


class UserOutputSchema(OutputSchema):
    """A person using the portal, with the organisation they act for and their roles."""

    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    tenant = fields.Nested(TenantReferenceOutputSchema)
    roles = fields.Function(lambda user: sorted(user.roles))


class ApiUserOutputSchema(UserOutputSchema):
    """The user as /api/v1/me describes them: the tenant by its code, as version 1 always has."""

    tenant = fields.Pluck(TenantReferenceOutputSchema, "code")
