"""Input for needs mapping cycles."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from portal.schemas import InputSchema


class CycleCreateSchema(InputSchema):
    name = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[0-9]{4}-[0-9]{4}$", error="Name the cycle by its years, e.g. 2026-2027."
        ),
        error_messages={"required": "Name the cycle by its years, e.g. 2026-2027."},
    )
    starts_on = fields.Date(
        required=True, error_messages={"invalid": "Enter a date.", "required": "Enter a date."}
    )
    ends_on = fields.Date(
        required=True, error_messages={"invalid": "Enter a date.", "required": "Enter a date."}
    )
    submission_deadline = fields.Date(
        load_default=None, allow_none=True, error_messages={"invalid": "Enter a date."}
    )

    @validates_schema
    def dates_in_order(self, data, **kwargs):
        """Refuse an end before the start, or a deadline outside the cycle."""
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            raise ValidationError("The cycle cannot end before it starts.", "ends_on")
        deadline = data.get("submission_deadline")
        if deadline and starts and ends and not starts <= deadline <= ends:
            raise ValidationError("The deadline must fall within the cycle.", "submission_deadline")
