"""Input of every change to a versioned record: the version it was opened at."""

from __future__ import annotations

from marshmallow import fields, validate

from portal.schemas.forms import FormSchema
from portal.versions import LARGEST_VERSION, LONGEST_OPENED, MISSING_VERSION


class VersionedSchema(FormSchema):
    """The version the form was opened at, and the signed snapshot of the record then."""

    version = fields.Integer(
        required=True,
        strict=False,
        validate=validate.Range(min=1, max=LARGEST_VERSION, error=MISSING_VERSION),
        error_messages={"required": MISSING_VERSION, "invalid": MISSING_VERSION},
    )
    # Only explains a refusal; an unreadable one is ignored, never refused.
    opened = fields.String(load_default="", validate=validate.Length(max=LONGEST_OPENED))
