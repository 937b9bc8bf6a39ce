"""Output shapes of audit entries: the record itself, and the flat rows of the downloads."""

from __future__ import annotations

from collections.abc import Mapping

from flask import has_request_context, request
from marshmallow import fields
from sqlalchemy import select

from portal.extensions import db
from portal.models import Tenant
from portal.schemas.audit import OPERATIONS
from portal.schemas.output import Grouped, OutputSchema, Timestamp
from portal.schemas.reference_output import TenantReferenceOutputSchema

# An entry's row images and changed columns, as the OpenAPI document describes them.
ROW_IMAGE = {"type": "object", "additionalProperties": True}
COLUMN_NAMES = {"type": "array", "items": {"type": "string"}}
TENANT_REFERENCE = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "name": {"type": "string", "nullable": True},
        "kind": {"type": "string", "nullable": True},
    },
    "required": ["code", "name", "kind"],
    "additionalProperties": False,
}


class ActorOutputSchema(OutputSchema):
    """Who made a change: a user, an API token, the system, or the database itself."""

    id = fields.Integer(attribute="actor_id", allow_none=True)
    kind = fields.String(attribute="actor_kind")
    label = fields.String(attribute="actor_label", allow_none=True)


class AuditEntryOutputSchema(OutputSchema):
    """One recorded change of one row, one truncation, or one security event."""

    id = fields.Integer()
    recorded_at = Timestamp()
    table = fields.String(attribute="table_name", allow_none=True)
    row_key = fields.String(allow_none=True)
    operation = fields.Function(
        lambda entry: OPERATIONS[entry.operation],
        metadata={"type": "string", "enum": list(OPERATIONS.values())},
    )
    changed_columns = fields.Raw(allow_none=True, metadata=COLUMN_NAMES)
    old_row = fields.Raw(allow_none=True, metadata=ROW_IMAGE)
    new_row = fields.Raw(allow_none=True, metadata=ROW_IMAGE)
    actor = Grouped(ActorOutputSchema)
    # Whose data changed; null for platform data (reference lists, cycles, the Secretariat's).
    tenant = fields.Method("owning_tenant", allow_none=True, metadata=TENANT_REFERENCE)
    request_id = fields.String(allow_none=True)
    client_address = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    event = fields.String(allow_none=True)

    def owning_tenant(self, entry) -> dict | None:
        """Return the organisation whose data the entry records, or None for the platform's."""
        if entry.tenant_id is None:
            return None
        tenant = _organisations().get(entry.tenant_id)
        if tenant is None:
            return {"code": str(entry.tenant_id), "name": None, "kind": None}
        return tenant


_ORGANISATIONS = "iisg.audit_organisations"


def _organisations() -> dict[int, dict]:
    """Return every organisation's reference, read once per request.

    Organisations are few and every entry names one: one query for a page of any size,
    where looking each up as met cost a query per organisation on the page.
    """
    # Kept with the request itself: an application context can outlive one request.
    kept = request.environ if has_request_context() else {}
    if _ORGANISATIONS not in kept:
        kept[_ORGANISATIONS] = {
            tenant.id: TenantReferenceOutputSchema().dump(tenant)
            for tenant in db.session.scalars(select(Tenant))
        }
    return kept[_ORGANISATIONS]


class AuditExportOutputSchema(OutputSchema):
    """An entry as a row of the trail's CSV and JSON Lines downloads: flat, one column each."""

    id = fields.Integer()
    recorded_at = Timestamp()
    tenant = fields.Method("tenant_code")
    table_name = fields.String()
    row_key = fields.String()
    # The one-letter code the trail stores (I, U, D, T, E), as the downloads always gave it.
    operation = fields.String()
    event = fields.String()
    actor_id = fields.Integer()
    actor_kind = fields.String()
    actor_label = fields.String()
    request_id = fields.String()
    client_address = fields.String()
    reason = fields.String()
    changed_columns = fields.Raw()
    old_row = fields.Raw()
    new_row = fields.Raw()

    def __init__(self, *, tenant_codes: Mapping[int | None, str], **kwargs):
        super().__init__(**kwargs)
        self.tenant_codes = tenant_codes

    def tenant_code(self, entry) -> str:
        """Return the code of the organisation whose data the entry records."""
        return self.tenant_codes.get(entry.tenant_id, str(entry.tenant_id))


class RecordHistoryOutputSchema(OutputSchema):
    """Every change of one record, oldest first, and the record as it stood at a moment."""

    table = fields.String()
    row_key = fields.String()
    entries = fields.List(fields.Nested(AuditEntryOutputSchema))
    # The moment asked for (in UTC), null when none was.
    at = Timestamp(allow_none=True)
    # The last change of the record up to ``at``: its new_row is the record as it stood
    # then; null when the record did not exist yet (or no moment was asked for).
    as_of = fields.Nested(AuditEntryOutputSchema, allow_none=True)


class ChainBreakOutputSchema(OutputSchema):
    """The first place a chain stops being what was sealed and signed."""

    kind = fields.String()
    # The position in the chain, counting from 1.
    position = fields.Integer()
    detail = fields.String()


class VerifiedChainOutputSchema(OutputSchema):
    """What verifying one chain found."""

    chain = fields.Integer(attribute="report.chain")
    # Whose chain it is; null for the platform's.
    tenant = fields.Nested(TenantReferenceOutputSchema, allow_none=True)
    status = fields.String(
        attribute="report.status",
        metadata={"type": "string", "enum": ["intact", "unsigned", "broken"]},
    )
    size = fields.Integer(attribute="report.size")
    checkpoints = fields.Integer(attribute="report.checkpoints")
    # Entries not sealed yet, and sealed ones no signed checkpoint covers yet.
    pending = fields.Integer(attribute="report.pending")
    unsigned = fields.Integer(attribute="report.unsigned")
    first_break = fields.Nested(
        ChainBreakOutputSchema, attribute="report.first_break", allow_none=True
    )


class CaptureBreakOutputSchema(OutputSchema):
    """A capture trigger, guard or function of the database not as the portal installed it."""

    kind = fields.String()
    table = fields.String()
    trigger = fields.String()
    detail = fields.String()


class VerificationOutputSchema(OutputSchema):
    """What verifying the chains the caller may read found, and whether the capture holds."""

    ok = fields.Boolean(
        metadata={
            "description": "Every chain intact up to a signed checkpoint, and the capture as "
            "installed."
        }
    )
    chains = fields.List(fields.Nested(VerifiedChainOutputSchema))
    capture = fields.List(fields.Nested(CaptureBreakOutputSchema))
