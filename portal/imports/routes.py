"""Import pages: the templates, an upload's dry run, applying it, its error report."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from portal import jobs
from portal.exceptions import DomainError, ValidationFailed
from portal.models.data_import import IMPORT_KINDS
from portal.schemas.forms import load_form
from portal.schemas.imports import ImportRowsQuerySchema, ImportUploadSchema
from portal.services import imports as import_service
from portal.spreadsheets import Sheet, csv_lines, write_xlsx
from portal.views import CORRECTABLE, xlsx_response

blueprint = Blueprint("imports", __name__, url_prefix="/imports")
ROWS_PER_PAGE = 100


def _page(error: DomainError | None = None, status: int = 200):
    return (
        render_template(
            "imports/index.html",
            kinds=IMPORT_KINDS,
            recent=import_service.list_imports(),
            pillars=import_service.pillar_codes(),
            error=error,
            chosen=request.form if error else {},
            largest_mb=current_app.config["IMPORT_MAX_BYTES"] // 1_048_576,
        ),
        status,
    )


@blueprint.get("")
def index():
    """Offer the templates, the upload form and the user's latest imports."""
    return _page()


@blueprint.post("")
def upload():
    """Keep an uploaded file and dry-run it: at once when small, on the worker when large."""
    try:
        data = load_form(ImportUploadSchema(), request.form)
        sent = request.files.get("file")
        if sent is None or not sent.filename:
            raise ValidationFailed("Choose a file to import.", {"file": "Choose a file."})
        record = import_service.upload(
            data["kind"], sent.filename, sent.read(), data["encoding"], data["pillar"]
        )
    except CORRECTABLE as error:
        return _page(error, error.status)
    _check(record)
    return redirect(url_for("imports.show", import_id=record.id), 303)


def _check(record) -> None:
    if import_service.row_count(record) <= current_app.config["IMPORT_AT_ONCE_ROWS"]:
        import_service.check(record.id)
    else:
        started = jobs.start("check_import", record.id, actor=current_user)
        import_service.follow(record.id, started.id)


@blueprint.get("/<int:import_id>")
def show(import_id: int, error: DomainError | None = None, status: int = 200):
    """Show a dry run's outcome, row by row, and the button to apply it."""
    record = import_service.get_import(import_id)
    query = load_form(ImportRowsQuerySchema(), request.args)
    running = import_service.running_job(record)
    rows, total = import_service.outcome_rows(record, query["show"], query["page"], ROWS_PER_PAGE)
    return (
        render_template(
            "imports/show.html",
            record=record,
            running=running,
            progress=jobs.progress_of(running.id) if running else None,
            rows=rows,
            total=total,
            query=query,
            per_page=ROWS_PER_PAGE,
            columns=import_service.KINDS[record.kind].names,
            error=error,
        ),
        status,
    )


@blueprint.post("/<int:import_id>/apply")
def apply(import_id: int):
    """Apply a checked upload, all of it or nothing; on the worker when large."""
    record = import_service.get_import(import_id)
    try:
        if import_service.row_count(record) <= current_app.config["IMPORT_AT_ONCE_ROWS"]:
            applied = import_service.apply(record.id)
            flash(import_service.summary(applied), "success")
        else:
            import_service.require_applicable(record.id)
            started = jobs.start("apply_import", record.id, actor=current_user)
            import_service.follow(record.id, started.id)
    except CORRECTABLE as error:
        return show(import_id, error=error, status=error.status)
    return redirect(url_for("imports.show", import_id=import_id), 303)


@blueprint.get("/<int:import_id>/report.xlsx")
def report(import_id: int):
    """Download the file's rows with each one's outcome and problems, to correct and upload."""
    record = import_service.get_import(import_id)
    rows = import_service.rows_report(record)
    header = next(rows)
    output = write_xlsx([Sheet(record.kind, header, rows)])
    disposition = {"Content-Disposition": f'attachment; filename="import-{record.id}-report.xlsx"'}
    return xlsx_response(output, disposition)


@blueprint.get("/templates/<kind>.<extension>")
def template(kind: str, extension: str):
    """Download the template of a kind of import, as XLSX (with its "Read me") or CSV."""
    if kind not in IMPORT_KINDS or extension not in ("xlsx", "csv"):
        abort(404)
    contents = import_service.template_contents(kind)
    filename = f"iisg-{kind}-template.{extension}"
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if extension == "csv":
        lines = csv_lines(contents.header, contents.examples)
        return Response(lines, mimetype="text/csv", headers=disposition)
    return xlsx_response(write_xlsx(contents.sheets), disposition)
