"""The audit trail, for auditors: entries, a record's history, and verifying the chains.

What an auditor reads is scoped as on the pages: a partner's or member's auditors read
their own organisation's entries and chain, the Secretariat's auditors all of them.
Everyone else is refused (403) before any parameter is read.
"""

from __future__ import annotations

from dataclasses import replace

from marshmallow import fields, post_load, validate

from portal.api.core import (
    COMMON_ERRORS,
    Blueprint,
    NoQuery,
    listed,
    page_schema,
    reads_only,
    sort_field,
)
from portal.authz import can_read_audit_trail, require
from portal.identity import current_principal
from portal.schemas.audit import OPERATIONS, AuditFilterSchema, MomentSchema
from portal.schemas.audit_output import (
    AuditEntryOutputSchema,
    RecordHistoryOutputSchema,
    VerificationOutputSchema,
)
from portal.schemas.forms import printable
from portal.services import audit as audit_service

PATH = "/audit"
blueprint = Blueprint("api_audit", __name__, description="The audit trail, for auditors.")
AuditEntryPageSchema = page_schema(AuditEntryOutputSchema, "AuditEntryPage")
LETTERS = {name: letter for letter, name in OPERATIONS.items()}


@blueprint.before_request
def _auditors_only():
    # Closed before the query is read, so that a refused query answers someone who may send it.
    require(can_read_audit_trail, current_principal())


class AuditEntryListArguments(AuditFilterSchema):
    """The /audit page's filters, named as the entries' fields are."""

    record = fields.String(
        data_key="row_key",
        load_default="",
        validate=[validate.Length(max=200), printable],
        metadata={"description": "Only the entries of the record with this key."},
    )
    request = fields.String(
        data_key="request_id",
        load_default="",
        validate=[validate.Length(max=64), printable],
        metadata={"description": "Only the changes one request made."},
    )
    operation = fields.String(
        load_default="",
        validate=validate.OneOf(
            ["", *LETTERS], error="Operations are: " + ", ".join(LETTERS) + "."
        ),
    )
    sort = sort_field(audit_service.SORTABLE, "-id")

    @post_load
    def stored_letter(self, data, **kwargs):
        """Return the operation as the trail stores it (I, U, D, T or E)."""
        return {**data, "operation": LETTERS.get(data["operation"], "")}


@blueprint.route("/entries")
@blueprint.arguments(AuditEntryListArguments, location="query")
@blueprint.response(200, AuditEntryPageSchema)
@blueprint.errors(*COMMON_ERRORS, 422)
def list_entries(filters):
    """List the entries of the trail the auditor may read, filtered, newest first."""
    page = audit_service.list_entries(filters)
    return listed(replace(page, items=[view.entry for view in page.items]))


@blueprint.route("/records/<table>/<path:row_key>")
@blueprint.arguments(MomentSchema, location="query")
@blueprint.response(200, RecordHistoryOutputSchema)
@blueprint.errors(*COMMON_ERRORS, 422)
def record_history(query, table, row_key):
    """Return every change of one record, and with ``at`` the record as it stood then."""
    history = audit_service.record_history(table, row_key)
    moment, state = audit_service.record_at(table, row_key, query["at"])
    return {
        "table": table,
        "row_key": row_key,
        "entries": [view.entry for view in history],
        "at": moment,
        "as_of": state.entry if state is not None else None,
    }


@blueprint.route("/verify", methods=["POST"])
@blueprint.arguments(NoQuery, location="query")
@blueprint.response(200, VerificationOutputSchema)
@blueprint.errors(*COMMON_ERRORS)
@reads_only
def verify(_query):
    """Verify every chain the auditor may read, and the capture; change nothing.

    ``ok`` is true when every chain is intact up to a checkpoint signed with a trusted
    key and the capture is as installed; each chain says what was found.
    """
    return audit_service.verify_readable_chains()
