"""Imports: upload a spreadsheet or IATI file, read its dry run, apply it (docs/imports.md)."""

from __future__ import annotations

from flask import current_app, url_for
from flask_login import current_user

from portal import jobs
from portal.api.core import BODY_ERRORS, COMMON_ERRORS, Blueprint, NoQuery, page_schema
from portal.exceptions import ValidationFailed
from portal.schemas.imports import (
    ImportFileSchema,
    ImportRowsApiQuerySchema,
    ImportUploadSchema,
)
from portal.schemas.imports_output import ImportOutputSchema, ImportRowSchema
from portal.services import imports as import_service

PATH = "/imports"
blueprint = Blueprint(
    "api_imports",
    __name__,
    description="Spreadsheets and IATI files checked by a dry run, then applied all at once.",
)
RowPageSchema = page_schema(ImportRowSchema, "ImportRowPage")


def _located(record, status: int):
    location = url_for("api_imports.get_import", import_id=record.id)
    return record, status, {"Location": location}


def _at_once(record) -> bool:
    return import_service.row_count(record) <= current_app.config["IMPORT_AT_ONCE_ROWS"]


@blueprint.route("", methods=["POST"])
@blueprint.arguments(ImportUploadSchema, location="form")
@blueprint.arguments(ImportFileSchema, location="files")
@blueprint.response(201, ImportOutputSchema)
@blueprint.alt_response(202, schema=ImportOutputSchema, description="Checked by the worker.")
@blueprint.errors(*COMMON_ERRORS, *BODY_ERRORS)
def upload(form, files):
    """Upload a file (multipart/form-data) and dry-run it: nothing is written yet.

    Small files answer 201 with the dry run's counts; larger ones 202, checked by the
    worker: read the import until its status is ``checked``.
    """
    sent = files["file"]
    if not getattr(sent, "filename", None):
        raise ValidationFailed("Send the file as the form field 'file'.", {"file": "No file."})
    record = import_service.upload(
        form["kind"], sent.filename, sent.read(), form["encoding"], form["pillar"]
    )
    if _at_once(record):
        return _located(import_service.check(record.id), 201)
    started = jobs.start("check_import", record.id, actor=current_user)
    import_service.follow(record.id, started.id)
    return _located(import_service.get_import(record.id), 202)


@blueprint.route("/<int:import_id>")
@blueprint.arguments(NoQuery, location="query")
@blueprint.response(200, ImportOutputSchema)
@blueprint.errors(*COMMON_ERRORS)
def get_import(_query, import_id):
    """Return an import you uploaded: its status and the dry run's counts."""
    return import_service.get_import(import_id)


@blueprint.route("/<int:import_id>/rows")
@blueprint.arguments(ImportRowsApiQuerySchema, location="query")
@blueprint.response(200, RowPageSchema)
@blueprint.errors(*COMMON_ERRORS, 422)
def list_rows(query, import_id):
    """List the dry run's rows: each one's outcome, changes, problems and warnings."""
    record = import_service.get_import(import_id)
    rows, total = import_service.outcome_rows(
        record, query["show"], query["page"], query["per_page"]
    )
    return {"items": rows, "page": query["page"], "per_page": query["per_page"], "total": total}


@blueprint.route("/<int:import_id>/apply", methods=["POST"])
@blueprint.response(200, ImportOutputSchema)
@blueprint.alt_response(202, schema=ImportOutputSchema, description="Applied by the worker.")
@blueprint.errors(*COMMON_ERRORS, 409, 422)
def apply(import_id):
    """Apply a checked import: all of it in one transaction, or nothing.

    409 while it has rows in error or is applied already; 422 when records changed since
    its dry run (the import's rows then say which).
    """
    record = import_service.get_import(import_id)
    if _at_once(record):
        return import_service.apply(record.id)
    import_service.require_applicable(record.id)
    started = jobs.start("apply_import", record.id, actor=current_user)
    import_service.follow(record.id, started.id)
    return import_service.get_import(record.id), 202
