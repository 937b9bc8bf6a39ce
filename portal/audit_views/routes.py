"""Pages for auditors: read, follow and download the audit trail, and check its chains."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from portal.authz import can_export_audit_trail, can_read_audit_trail, require
from portal.exceptions import ValidationFailed
from portal.identity import current_principal
from portal.limits import LONGEST_FILTER, refill
from portal.schemas.audit import AuditFilterSchema, ExportSchema, MomentSchema
from portal.schemas.forms import load_form
from portal.services import audit as audit_service
from portal.views import list_filters

blueprint = Blueprint("audit", __name__, url_prefix="/audit")


@blueprint.get("")
def index():
    """List the entries of the trail the auditor may read, filtered and newest first."""
    form = _form()  # asks the policy, before the filters can be refused
    try:
        filters = load_form(AuditFilterSchema(), request.args)
        page = audit_service.list_entries(filters)
    except ValidationFailed as error:
        return render_template("audit/index.html", page=None, error=error, **form), error.status
    links = list_filters(filters, request.args)
    return render_template("audit/index.html", page=page, filters=filters, links=links, **form)


def _form() -> dict:
    return {
        "tables": audit_service.audited_tables(),
        "operations": audit_service.operation_names(),
        # The filters as typed, refused or not, each as far as a filter is shown again.
        "typed": refill(AuditFilterSchema(), request.args, LONGEST_FILTER),
    }


def _query(schema, policy) -> dict:
    """Load the query string with ``schema`` once ``policy`` lets the principal send it."""
    # Asked first, so that a refused query answers someone who may send it.
    require(policy, current_principal())
    return load_form(schema, request.args)


@blueprint.get("/export")
def export():
    """Download the filtered entries as CSV or JSON lines (the download is recorded)."""
    filters = _query(ExportSchema(), can_export_audit_trail)
    name, media, content = audit_service.export_entries(filters)
    return Response(
        content,
        mimetype=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@blueprint.get("/records/<table>/<path:row_key>")
def record(table, row_key):
    """Show every change of one record, and the record as it stood at a chosen time."""
    history = audit_service.record_history(table, row_key, links=True)
    error = moment = state = None
    try:
        at = load_form(MomentSchema(), request.args)["at"]
        moment, state = audit_service.record_at(table, row_key, at)
    except ValidationFailed as refused:
        error = refused
    return render_template(
        "audit/record.html",
        table=table,
        row_key=row_key,
        history=history,
        moment=moment,
        state=state,
        error=error,
        typed=refill(MomentSchema(), request.args, LONGEST_FILTER),
    ), (422 if error else 200)


@blueprint.get("/requests")
def requests():
    """List the requests that changed something, each with how many changes it made."""
    filters = _query(AuditFilterSchema(), can_read_audit_trail)
    page = audit_service.list_requests(filters)
    links = list_filters(filters, request.args)
    return render_template("audit/requests.html", page=page, filters=filters, links=links)


@blueprint.get("/chains")
def chains():
    """Show how far each chain is sealed and signed."""
    return render_template("audit/chains.html", chains=audit_service.chain_statuses())


@blueprint.post("/chains/<chain_id>/verify")
def verify(chain_id):
    """Check one chain's hashes and signatures, and the capture, now; show the result."""
    report = audit_service.verify_chain(chain_id)
    return render_template(
        "audit/chains.html",
        chains=audit_service.chain_statuses(),
        report=report.chains[0],
        capture=report.capture,
    )
