"""Input for creating users (command line and administration pages)."""

from __future__ import annotations

from marshmallow import fields, validate

from portal.models.user import ROLES
from portal.schemas import BoundedList, InputSchema, NotBlank


def _roles() -> BoundedList:
    return BoundedList(
        fields.String(validate=validate.OneOf(ROLES, error="Roles are: " + ", ".join(ROLES))),
        required=True,
        longest=len(ROLES),
        too_long=f"Give the user at most the {len(ROLES)} roles there are.",
        validate=validate.Length(min=1, error="Give the user at least one role."),
        # A form with no role ticked sends no roles at all.
        error_messages={"required": "Give the user at least one role."},
    )


class UserCreateSchema(InputSchema):
    email = fields.Email(
        required=True,
        validate=validate.Length(max=254),
        error_messages={"invalid": "Enter a valid email address, like name@ministry.gov."},
    )
    name = fields.String(
        load_default=None,
        validate=[
            validate.Length(min=1, max=200, error="Use 1 to 200 characters."),
            NotBlank("The name cannot be blank."),
        ],
    )
    tenant = fields.String(
        required=True,
        validate=validate.Length(min=1, max=20),
        error_messages={"required": "Name the organisation by its code."},
    )
    roles = _roles()


class RolesSchema(InputSchema):
    roles = _roles()
