"""Needs mapping cycles: read by everyone (the pages only administer them)."""

from __future__ import annotations

from marshmallow import fields, validate

from portal.api.core import (
    COMMON_ERRORS,
    Blueprint,
    NoQuery,
    listed,
    page_schema,
    sort_field,
    tagged,
)
from portal.models.cycle import CYCLE_STATUSES
from portal.schemas.cycles_output import CycleOutputSchema
from portal.schemas.forms import ListQuerySchema
from portal.services import cycles as cycle_service

PATH = "/cycles"
blueprint = Blueprint("api_cycles", __name__, description="The needs mapping cycles.")
CyclePageSchema = page_schema(CycleOutputSchema, "CyclePage")


class CycleListArguments(ListQuerySchema):
    status = fields.String(
        load_default=None,
        validate=validate.OneOf(
            CYCLE_STATUSES, error="Statuses are: " + ", ".join(CYCLE_STATUSES) + "."
        ),
    )
    sort = sort_field(cycle_service.SORTABLE, "-starts_on")


@blueprint.route("")
@blueprint.arguments(CycleListArguments, location="query")
@blueprint.response(200, CyclePageSchema)
@blueprint.errors(*COMMON_ERRORS, 422)
def list_cycles(query):
    """List the cycles, the newest first unless sorted otherwise."""
    return listed(cycle_service.page_of_cycles(query))


@blueprint.route("/<int:cycle_id>")
@blueprint.arguments(NoQuery, location="query")
@blueprint.response(200, CycleOutputSchema)
@blueprint.errors(*COMMON_ERRORS)
def get_cycle(_query, cycle_id):
    """Return one cycle, with its ETag."""
    return tagged(cycle_service.get_cycle(cycle_id))
