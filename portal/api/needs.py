"""Needs: the list, one need, drafting and changing, and the workflow of §4."""

from __future__ import annotations

from portal.api.core import (
    BODY_ERRORS,
    COMMON_ERRORS,
    WRITE_ERRORS,
    Blueprint,
    EmptyBody,
    changing,
    listed,
    matched_version,
    optional_version,
    page_schema,
    read_body,
    sort_field,
    tagged,
)
from portal.schemas.forms import FormSchema, text
from portal.schemas.needs import NeedListQuerySchema, NeedSchema
from portal.schemas.needs_output import NeedOutputSchema
from portal.services import needs as need_service

PATH = "/needs"
blueprint = Blueprint(
    "api_needs", __name__, description="Needs of the partners, and their validation workflow."
)
NeedPageSchema = page_schema(NeedOutputSchema, "NeedPage")


class NeedListArguments(NeedListQuerySchema):
    sort = sort_field(need_service.SORTABLE, "-id")


class NeedPatchSchema(NeedSchema):
    """A change to a need: only the fields sent change; "" empties the source."""

    blank_refused = frozenset({"title", "description", "source_reference"})


class NeedReturnBody(FormSchema):
    blank_refused = frozenset({"comment"})
    comment = text(2000, required=True)


def _values(need) -> dict:
    """Return a need's fields as NeedSchema loads them, the base a PATCH changes."""
    return {
        "pillar": need.pillar.code,
        "category": need.category.code,
        "perspective": need.perspective.code,
        "title": need.title,
        "description": need.description,
        "acquis_chapters": [chapter.number for chapter in need.acquis_chapters],
        "source_reference": need.source_reference or "",
        "priority": need.priority,
    }


@blueprint.route("")
@blueprint.arguments(NeedListArguments, location="query")
@blueprint.response(200, NeedPageSchema)
@blueprint.errors(*COMMON_ERRORS, 422)
def list_needs(query):
    """List the needs the token's user may see, filtered, sorted and a page at a time."""
    return listed(need_service.list_needs(query, need_service.filter_choices()))


@blueprint.route("", methods=["POST"])
@blueprint.body(NeedSchema)
@blueprint.response(201, NeedOutputSchema)
@blueprint.errors(*COMMON_ERRORS, *BODY_ERRORS)
def create_need():
    """Draft a new need of the user's partner in the open cycle."""
    need_service.open_cycle_for_needs()
    return tagged(need_service.create_need(read_body(NeedSchema())), 201)


@blueprint.route("/<int:need_id>")
@blueprint.response(200, NeedOutputSchema)
@blueprint.errors(*COMMON_ERRORS)
def get_need(need_id):
    """Return one need; its ETag is what a change sends back in If-Match."""
    return tagged(need_service.get_need(need_id))


@blueprint.route("/<int:need_id>", methods=["PATCH"])
@blueprint.body(NeedPatchSchema(partial=True))
@blueprint.response(200, NeedOutputSchema)
@blueprint.errors(*COMMON_ERRORS, *WRITE_ERRORS)
def update_need(need_id):
    """Change a draft or returned need: the fields sent, the others as they are."""
    need = need_service.get_need_for_edit(need_id)
    version = matched_version(need)
    changes = read_body(NeedPatchSchema(partial=True))
    merged = {**_values(need), **changes}
    return tagged(changing(need_service.update_need, need, merged, version))


@blueprint.route("/<int:need_id>", methods=["DELETE"])
@blueprint.response(204)
@blueprint.errors(*COMMON_ERRORS, 409, 412, 428)
def delete_need(need_id):
    """Delete a draft need (only drafts; a need once submitted is withdrawn instead)."""
    need = need_service.get_need_for("delete", need_id)
    changing(need_service.delete_need, need, {}, matched_version(need))
    return None


def _step(name: str, action, summary: str, body=EmptyBody):
    @blueprint.route(f"/<int:need_id>/{name}", methods=["POST"], endpoint=f"{name}_need")
    @blueprint.body(body, required=body is not EmptyBody)
    @blueprint.response(200, NeedOutputSchema)
    @blueprint.errors(*COMMON_ERRORS, *WRITE_ERRORS)
    def step(need_id):
        need = need_service.get_need_for(name, need_id)
        version = optional_version(need)
        return tagged(changing(action, need, read_body(body()), version))

    step.__doc__ = summary
    return step


submit_need = _step("submit", need_service.submit_need, "Submit a draft or returned need.")
validate_need = _step("validate", need_service.validate_need, "Validate a submitted need.")
return_need = _step(
    "return", need_service.return_need, "Return a submitted need with a comment.", NeedReturnBody
)
withdraw_need = _step("withdraw", need_service.withdraw_need, "Withdraw a need.")
