"""Input for needs mapping cycles."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from portal.models.cycle import CYCLE_STATUSES
from portal.schemas.forms import FormSchema
from portal.schemas.versions import VersionedSchema


class CycleCreateSchema(FormSchema):
    """A new needs mapping cycle: its name by its years, its dates and deadline."""

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


class CycleMoveFields(FormSchema):
    """Moving a cycle on; adopting it also records where and when the Board adopted it."""

    status = fields.String(
        required=True,
        validate=validate.OneOf(CYCLE_STATUSES, error="Choose the status to move the cycle to."),
        error_messages={"required": "Choose the status to move the cycle to."},
    )
    board_meeting = fields.String(
        load_default=None,
        validate=[
            validate.Length(max=200, error="Use at most 200 characters."),
            validate.Regexp(r"^[^\x00-\x1f\x7f]*\S[^\x00-\x1f\x7f]*$", error="Name the meeting."),
        ],
    )
    adopted_on = fields.Date(load_default=None, error_messages={"invalid": "Enter a date."})

    @validates_schema
    def adoption_recorded(self, data, **kwargs):
        """Require the Board meeting and its date when the cycle is adopted."""
        if data.get("status") != "adopted":
            return
        missing = {}
        if not data.get("board_meeting"):
            missing["board_meeting"] = ["Name the Board meeting that adopted the report."]
        if not data.get("adopted_on"):
            missing["adopted_on"] = ["Enter the date of adoption."]
        if missing:
            raise ValidationError(missing)


class CycleMoveSchema(CycleMoveFields, VersionedSchema):
    """Moving a cycle on, from the version the form was opened at."""
