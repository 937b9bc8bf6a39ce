"""Input for imports and exports: the upload form, and the format of a download."""

from __future__ import annotations

from marshmallow import fields, validate

from portal.models.data_import import IMPORT_KINDS
from portal.schemas.forms import REQUIRED, FormSchema, page_number, page_size, printable

ENCODINGS = ("utf-8", "windows-1250")
EXPORT_FORMATS = ("csv", "xlsx", "json")
OUTCOMES = ("all", "create", "update", "unchanged", "error", "warning")


class ImportUploadSchema(FormSchema):
    """What a file to import holds, and how to read it (the file itself comes apart)."""

    kind = fields.String(
        required=True,
        validate=validate.OneOf(IMPORT_KINDS, error="Choose needs, responses or links."),
        error_messages={**REQUIRED, "required": "Choose what the file holds."},
    )
    # Empty: detected (UTF-8, else Windows-1250).
    encoding = fields.String(
        load_default=None,
        validate=validate.OneOf(ENCODINGS, error="Choose UTF-8 or Windows-1250."),
    )
    # An IATI file's pillar for the activities whose sectors name none.
    pillar = fields.String(
        load_default=None,
        validate=[validate.Length(max=20, error="Unknown pillar."), printable],
    )


class ImportRowsQuerySchema(FormSchema):
    """Which rows of a dry run a page shows."""

    show = fields.String(
        load_default="all",
        validate=validate.OneOf(OUTCOMES, error="Show one of: " + ", ".join(OUTCOMES) + "."),
    )
    page = page_number()


class ImportRowsApiQuerySchema(ImportRowsQuerySchema):
    """Which rows of a dry run the API lists, and how many per page."""

    per_page = page_size(100)


class ImportFileSchema(FormSchema):
    """The file of an import, sent as multipart/form-data."""

    file = fields.Raw(
        required=True,
        metadata={"type": "string", "format": "binary"},
        error_messages={"required": "Send the file as the form field 'file'."},
    )


class ExportFormatSchema(FormSchema):
    """The format of a download: CSV (the default), XLSX or JSON."""

    format = fields.String(
        load_default="csv",
        validate=validate.OneOf(EXPORT_FORMATS, error="Choose csv, xlsx or json."),
    )
