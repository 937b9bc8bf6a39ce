"""Pages for auditors: read, follow and download the audit trail, and check its chains."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from portal.exceptions import DomainError
from portal.services import audit as audit_service

blueprint = Blueprint("audit", __name__, url_prefix="/audit")


@blueprint.get("")
def index():
    """List the entries of the trail the auditor may read, filtered and newest first."""
    try:
        page, filters = audit_service.list_entries(request.args)
    except DomainError as error:
        if error.status != 422:
            raise
        return render_template("audit/index.html", page=None, error=error, **_form()), 422
    return render_template("audit/index.html", page=page, filters=filters, **_form())


def _form() -> dict:
    return {
        "tables": audit_service.audited_tables(),
        "operations": audit_service.operation_names(),
    }


@blueprint.get("/export")
def export():
    """Download the filtered entries as CSV or JSON lines (the download is recorded)."""
    name, media, content = audit_service.export_entries(request.args)
    return Response(
        content,
        mimetype=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@blueprint.get("/records/<table>/<path:row_key>")
def record(table, row_key):
    """Show every change of one record, and the record as it stood at a chosen time."""
    history = audit_service.record_history(table, row_key)
    error = moment = state = None
    try:
        moment, state = audit_service.record_at(table, row_key, request.args)
    except DomainError as refused:
        if refused.status != 422:
            raise
        error = refused
    return render_template(
        "audit/record.html",
        table=table,
        row_key=row_key,
        history=history,
        moment=moment,
        state=state,
        error=error,
    ), (422 if error else 200)


@blueprint.get("/requests")
def requests():
    """List the requests that changed something, each with how many changes it made."""
    page, filters = audit_service.list_requests(request.args)
    return render_template("audit/requests.html", page=page, filters=filters)


@blueprint.get("/chains")
def chains():
    """Show how far each chain is sealed and signed."""
    return render_template("audit/chains.html", chains=audit_service.chain_statuses())


@blueprint.post("/chains/<chain_id>/verify")
def verify(chain_id):
    """Check one chain's hashes and signatures now, and show the result."""
    report = audit_service.verify_chain(chain_id)
    return render_template(
        "audit/chains.html", chains=audit_service.chain_statuses(), report=report
    )
