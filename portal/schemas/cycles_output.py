"""Output shapes of needs mapping cycles."""

from __future__ import annotations

from marshmallow import fields

from portal.schemas.output import OutputSchema, Timestamp


class CycleReferenceOutputSchema(OutputSchema):
    """A cycle as a need names it: its id and its name (the years it spans)."""

    id = fields.Integer()
    name = fields.String()


class CycleOutputSchema(OutputSchema):
    """A needs mapping cycle, with where and when the Board adopted its report."""

    id = fields.Integer()
    version = fields.Integer()
    name = fields.String()
    status = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    submission_deadline = fields.Date(allow_none=True)
    # Null until the Board adopts the cycle.
    board_meeting = fields.String(allow_none=True)
    adopted_on = fields.Date(allow_none=True)
    created_at = Timestamp()
