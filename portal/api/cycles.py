"""Needs mapping cycles: read by everyone (the pages only administer them)."""

from __future__ import annotations

from marshmallow import fields, validate

from portal.api.core import (
    COMMON_ERRORS,
    WRITE_ERRORS,
    Blueprint,
    NoQuery,
    changing,
    listed,
    optional_version,
    page_schema,
    read_body,
    sort_field,
    tagged,
)
from portal.models.cycle import CYCLE_STATUSES
from portal.schemas.cycles import CycleCreateSchema, CycleMoveFields
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


@blueprint.route("", methods=["POST"])
@blueprint.body(CycleCreateSchema)
@blueprint.response(201, CycleOutputSchema)
@blueprint.errors(*COMMON_ERRORS, 409, 415, 422)
def open_cycle():
    """Open a new needs mapping cycle (administrators; one cycle is open at a time)."""
    cycle_service.require_cycle_manager()
    return tagged(cycle_service.open_cycle(read_body(CycleCreateSchema())), 201)


@blueprint.route("/<int:cycle_id>/move", methods=["POST"])
@blueprint.body(CycleMoveFields)
@blueprint.response(200, CycleOutputSchema)
@blueprint.errors(*COMMON_ERRORS, *WRITE_ERRORS)
def move_cycle(cycle_id):
    """Move a cycle to its next status: open, consolidation, adopted, archived.

    Adopting it names the Board meeting and its date, and adopts the cycle's validated
    needs in the same step; they can no longer change.
    """
    cycle = cycle_service.get_cycle_to_move(cycle_id)
    version = optional_version(cycle)
    return tagged(changing(cycle_service.move_cycle, cycle, read_body(CycleMoveFields()), version))
