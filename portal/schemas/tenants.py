"""Input for creating and changing tenants, and for list pages."""

from __future__ import annotations

from collections.abc import Mapping

from marshmallow import fields, pre_load, validate

from portal.models.tenant import TENANT_KINDS
from portal.schemas import InputSchema, NotBlank, forms

CODE_PATTERN = r"^[A-Z0-9][A-Z0-9-]{1,19}$"


class TenantCreateSchema(InputSchema):
    code = fields.String(
        required=True,
        validate=validate.Regexp(
            CODE_PATTERN,
            error="Use 2 to 20 capital letters, digits or hyphens, e.g. ME-MOI.",
        ),
        error_messages={"required": "Give the organisation a short code, e.g. ME-MOI."},
    )
    name = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, max=200, error="Use 1 to 200 characters."),
            NotBlank("The name cannot be blank."),
        ],
        error_messages={"required": "Give the organisation's full name."},
    )
    kind = fields.String(
        required=True,
        validate=validate.OneOf(TENANT_KINDS, error="Kinds are: " + ", ".join(TENANT_KINDS)),
    )
    economy = fields.String(load_default=None)

    @pre_load
    def code_in_capitals(self, data, **kwargs):
        """Take the code in any case, as codes are kept in capitals."""
        if isinstance(data, Mapping) and isinstance(data.get("code"), str):
            return {**data, "code": data["code"].upper()}
        return data


class TenantRenameSchema(InputSchema):
    name = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, max=200, error="Use 1 to 200 characters."),
            NotBlank("The name cannot be blank."),
        ],
        error_messages={"required": "Give the organisation's full name."},
    )


class ListQuerySchema(forms.ListQuerySchema):
    """Query-string parameters of a searchable, paginated list."""

    q = fields.String(load_default="", validate=validate.Length(max=100))
