"""The organisations of the portal, as Secretariat administrators manage them."""

from __future__ import annotations

from marshmallow import fields, validate

from portal.api.core import COMMON_ERRORS, Blueprint, listed, page_schema, sort_field
from portal.authz import can_manage_tenants, require
from portal.identity import current_principal
from portal.models.tenant import TENANT_KINDS
from portal.schemas.forms import text
from portal.schemas.tenants import ListQuerySchema
from portal.schemas.tenants_output import TenantOutputSchema
from portal.services import tenants as tenant_service

PATH = "/tenants"
blueprint = Blueprint(
    "api_tenants", __name__, description="Organisations (for Secretariat administrators)."
)
TenantPageSchema = page_schema(TenantOutputSchema, "TenantPage")


@blueprint.before_request
def _administrators_only():
    # Closed before the query is read, so that a refused query answers someone who may send it.
    require(can_manage_tenants, current_principal())


class TenantListArguments(ListQuerySchema):
    kind = fields.String(
        load_default=None,
        validate=validate.OneOf(TENANT_KINDS, error="Kinds are: " + ", ".join(TENANT_KINDS) + "."),
    )
    economy = text(20)
    active = fields.Boolean(load_default=None)
    sort = sort_field(tenant_service.SORTABLE, "code")


@blueprint.route("")
@blueprint.arguments(TenantListArguments, location="query")
@blueprint.response(200, TenantPageSchema)
@blueprint.errors(*COMMON_ERRORS, 422)
def list_tenants(query):
    """List the organisations; ``q`` finds a part of the code or name."""
    return listed(
        tenant_service.list_tenants(
            query["q"],
            query["page"],
            query["per_page"],
            kind=query["kind"],
            economy=query["economy"] or None,
            active=query["active"],
            sort=query["sort"],
        )
    )
