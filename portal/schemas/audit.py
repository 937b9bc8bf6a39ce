"""Query parameters of the auditor's pages: filters of the trail, a moment in time."""

from __future__ import annotations

from datetime import UTC, date, datetime

from marshmallow import fields, validate, validates_schema
from marshmallow.exceptions import ValidationError

from portal.record_types import REGISTRY
from portal.schemas.forms import FormSchema, printable

# The dates the trail can be searched between: a day either side stays a valid date.
EARLIEST_DAY, LATEST_DAY = date(2000, 1, 1), date(9998, 12, 31)
DAYS = validate.Range(
    min=EARLIEST_DAY, max=LATEST_DAY, error="Give a date from 2000-01-01 to 9998-12-31."
)
MOMENTS = validate.Range(
    min=datetime(2000, 1, 1, tzinfo=UTC),
    max=datetime(9998, 12, 31, tzinfo=UTC),
    error="Give a moment from 2000 to 9998.",
)

OPERATIONS = {"I": "insert", "U": "update", "D": "delete", "T": "truncate", "E": "event"}


class AuditFilterSchema(FormSchema):
    """Which entries of the trail to list (every filter optional, a blank one not given)."""

    tenant = fields.String(
        load_default="",
        validate=[validate.Length(max=20, error="Codes have 20 characters at most."), printable],
    )
    actor = fields.String(load_default="", validate=[validate.Length(max=200), printable])
    table = fields.String(
        load_default="",
        validate=validate.OneOf(
            ["", *sorted(item.table for item in REGISTRY.audit_declaration().audited)],
            error="Choose one of the audited tables.",
        ),
    )
    record = fields.String(load_default="", validate=[validate.Length(max=200), printable])
    operation = fields.String(
        load_default="",
        validate=validate.OneOf(["", *OPERATIONS], error="Operations are I, U, D, T or E."),
    )
    request = fields.String(load_default="", validate=[validate.Length(max=64), printable])
    since = fields.Date(
        load_default=None, validate=DAYS, error_messages={"invalid": "Give a date as YYYY-MM-DD."}
    )
    until = fields.Date(
        load_default=None, validate=DAYS, error_messages={"invalid": "Give a date as YYYY-MM-DD."}
    )
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=1_000_000, error="Pages start at 1."),
        error_messages={"invalid": "The page must be a whole number."},
    )
    per_page = fields.Integer(
        load_default=50,
        validate=validate.Range(min=1, max=100, error="Show 1 to 100 per page."),
        error_messages={"invalid": "The page size must be a whole number."},
    )

    @validates_schema
    def _dates_in_order(self, data, **_kwargs):
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            raise ValidationError("The end date is before the start date.", "until")


class ExportSchema(AuditFilterSchema):
    """The same filters, and the file format of a download."""

    format = fields.String(
        load_default="csv",
        validate=validate.OneOf(["csv", "jsonl"], error="Formats are csv or jsonl."),
    )


class MomentSchema(FormSchema):
    """A moment to show a record as it stood then (UTC)."""

    # Typed as text in one format (a browser's date-and-time field shows the reader's own
    # format instead): a moment without a zone is UTC, as the pages speak throughout.
    at = fields.AwareDateTime(
        load_default=None,
        default_timezone=UTC,
        format="iso",
        validate=MOMENTS,
        error_messages={
            "invalid": "Give a date and time in UTC as YYYY-MM-DD HH:MM, e.g. 2026-11-29 10:00."
        },
    )
