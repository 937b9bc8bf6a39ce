"""Output shapes of imports: the upload, its dry run's counts, and each row's outcome."""

from __future__ import annotations

from marshmallow import fields

from portal.schemas.output import OutputSchema, Timestamp


class ImportCountsSchema(OutputSchema):
    """How many rows of each outcome the last dry run found."""

    create = fields.Integer()
    update = fields.Integer()
    unchanged = fields.Integer()
    warning = fields.Integer()
    error = fields.Integer()


class ImportOutputSchema(OutputSchema):
    """An uploaded file, what its last dry run found, and whether it was applied."""

    id = fields.Integer()
    kind = fields.String(metadata={"description": "needs, responses or links"})
    filename = fields.String()
    file_format = fields.String(metadata={"description": "csv, xlsx or iati"})
    encoding = fields.String(allow_none=True)
    sha256 = fields.String()
    size = fields.Integer()
    status = fields.String(metadata={"description": "checking, checked or applied"})
    counts = fields.Method("_counts", metadata={"description": "Rows by outcome."})
    request_id = fields.String(
        allow_none=True, metadata={"description": "Of every audit entry of applying it."}
    )
    job_id = fields.Integer(
        allow_none=True, metadata={"description": "The worker's job checking or applying it."}
    )
    created_at = Timestamp()
    checked_at = Timestamp(allow_none=True)
    applied_at = Timestamp(allow_none=True)

    def _counts(self, record) -> dict | None:
        outcome = record.outcome or {}
        return outcome.get("counts")


class ImportProblemSchema(OutputSchema):
    """Why a row cannot be imported: the column, the value found, the reason."""

    column = fields.String()
    value = fields.String()
    reason = fields.String()


class ImportRowSchema(OutputSchema):
    """What one row of the file does (or would do), numbered as in the file."""

    row = fields.Integer()
    key = fields.String(metadata={"description": "The record it names; empty when new."})
    outcome = fields.String(metadata={"description": "create, update, unchanged or error"})
    changes = fields.List(
        fields.List(fields.String()), metadata={"description": "[field, before, after]"}
    )
    problems = fields.List(fields.Nested(ImportProblemSchema))
    warnings = fields.List(fields.String())
