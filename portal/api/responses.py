"""Responses: the list, one response, recording and changing, publishing; and their links."""

from __future__ import annotations

from marshmallow import ValidationError

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
from portal.exceptions import ValidationFailed
from portal.schemas.forms import ListQuerySchema
from portal.schemas.responses import ResponseListQuerySchema, ResponseSchema
from portal.schemas.responses_output import ResponseOutputSchema
from portal.schemas.support_links import LinkProposalSchema
from portal.schemas.support_links_output import SupportLinkOutputSchema
from portal.services import responses as response_service
from portal.services import support_links as link_service

PATH = "/responses"
blueprint = Blueprint(
    "api_responses",
    __name__,
    description="Responses of the members, their publication, and the links they propose.",
)
ResponsePageSchema = page_schema(ResponseOutputSchema, "ResponsePage")
LinkPageSchema = page_schema(SupportLinkOutputSchema, "SupportLinkPage")


class ResponseListArguments(ResponseListQuerySchema):
    sort = sort_field(response_service.SORTABLE, response_service.DEFAULT_SORT)


class ResponsePatchSchema(ResponseSchema):
    """A change to a response: only the fields sent change.

    Unlike a form, a PATCH that sends a text field empty means to empty it, so a blank
    text is taken as sent (a blank title is still refused). Dates and the budget are
    emptied with null.
    """

    blank_refused = frozenset(
        {
            "title",
            "description",
            "donor_names",
            "implementer_names",
            "instrument",
            "external_reference",
        }
    )

    def consistent(self, data, **kwargs):
        """Not on the fields sent alone: the end date sent is checked against the start
        date kept, a budget against its currency, by ``_whole`` once they are merged."""


def _values(response) -> dict:
    """Return a response's fields as ResponseSchema loads them, the base a PATCH changes."""
    return {
        "title": response.title,
        "description": response.description or "",
        "pillars": [pillar.code for pillar in response.pillars],
        "beneficiaries": [economy.code for economy in response.beneficiaries],
        "donor_tenants": [party.tenant.code for party in response.donors if party.tenant],
        "donor_names": "\n".join(party.name for party in response.donors if not party.tenant),
        "implementer_tenants": [
            party.tenant.code for party in response.implementers if party.tenant
        ],
        "implementer_names": "\n".join(
            party.name for party in response.implementers if not party.tenant
        ),
        "support_type": response.support_type,
        "instrument": response.instrument or "",
        "starts_on": response.starts_on,
        "ends_on": response.ends_on,
        "budget_amount": response.budget_amount,
        "budget_currency": response.budget_currency,
        "implementation_status": response.implementation_status,
        "visibility": response.visibility,
        "external_reference": response.external_reference or "",
    }


def _whole(merged: dict) -> dict:
    """Check a changed response as a whole, as the form's schema checks a whole form.

    The fields sent were checked alone; here an end date sent meets the start date kept,
    and an amount the currency kept.
    """
    try:
        ResponseSchema().consistent(merged)
    except ValidationError as error:
        problems = {field: reasons[0] for field, reasons in error.normalized_messages().items()}
        raise ValidationFailed("Some fields need attention; nothing was saved.", problems) from None
    return merged


@blueprint.route("")
@blueprint.arguments(ResponseListArguments, location="query")
@blueprint.response(200, ResponsePageSchema)
@blueprint.errors(*COMMON_ERRORS, 422)
def list_responses(query):
    """List the responses the token's user may see, filtered, sorted and a page at a time."""
    return listed(response_service.list_responses(query))


@blueprint.route("", methods=["POST"])
@blueprint.body(ResponseSchema)
@blueprint.response(201, ResponseOutputSchema)
@blueprint.errors(*COMMON_ERRORS, *BODY_ERRORS)
def create_response():
    """Record a draft response of the user's organisation."""
    response_service.require_creator()
    return tagged(response_service.create_response(read_body(ResponseSchema())), 201)


@blueprint.route("/<int:response_id>")
@blueprint.response(200, ResponseOutputSchema)
@blueprint.errors(*COMMON_ERRORS)
def get_response(response_id):
    """Return one response; its ETag is what a change sends back in If-Match."""
    return tagged(response_service.get_response(response_id))


@blueprint.route("/<int:response_id>", methods=["PATCH"])
@blueprint.body(ResponsePatchSchema(partial=True))
@blueprint.response(200, ResponseOutputSchema)
@blueprint.errors(*COMMON_ERRORS, *WRITE_ERRORS)
def update_response(response_id):
    """Change a response: the fields sent, the others as they are."""
    response = response_service.get_response_for_edit(response_id)
    version = matched_version(response)
    changes = read_body(ResponsePatchSchema(partial=True))
    merged = _whole({**_values(response), **changes})
    return tagged(changing(response_service.update_response, response, merged, version))


@blueprint.route("/<int:response_id>", methods=["DELETE"])
@blueprint.response(204)
@blueprint.errors(*COMMON_ERRORS, 409, 412, 428)
def delete_response(response_id):
    """Delete a draft response (a published one is unpublished first; 409 while linked)."""
    response = response_service.get_response_for_delete(response_id)
    changing(response_service.delete_response, response, {}, matched_version(response))
    return None


def _step(name: str, action, summary: str):
    @blueprint.route(f"/<int:response_id>/{name}", methods=["POST"], endpoint=f"{name}_response")
    @blueprint.body(EmptyBody, required=False)
    @blueprint.response(200, ResponseOutputSchema)
    @blueprint.errors(*COMMON_ERRORS, *WRITE_ERRORS)
    def step(response_id):
        response = response_service.get_response_for_edit(response_id)
        version = optional_version(response)
        return tagged(changing(action, response, read_body(EmptyBody()), version))

    step.__doc__ = summary
    return step


publish_response = _step("publish", response_service.publish_response, "Publish a draft response.")
unpublish_response = _step(
    "unpublish", response_service.unpublish_response, "Take a published response back to draft."
)


@blueprint.route("/<int:response_id>/links")
@blueprint.arguments(ListQuerySchema, location="query")
@blueprint.response(200, LinkPageSchema)
@blueprint.errors(*COMMON_ERRORS, 422)
def list_links(query, response_id):
    """List the support links of a response that the token's user may see, oldest first."""
    response = response_service.get_response(response_id)
    return listed(link_service.page_of_links_for_response(response, query))


@blueprint.route("/<int:response_id>/links", methods=["POST"])
@blueprint.body(LinkProposalSchema)
@blueprint.response(201, SupportLinkOutputSchema)
@blueprint.errors(*COMMON_ERRORS, *BODY_ERRORS)
def propose_link(response_id):
    """Propose that the response addresses a need; the need's partner confirms or disputes."""
    response = response_service.get_response(response_id)
    link_service.require_proposer(response)
    return tagged(link_service.propose_link(response, read_body(LinkProposalSchema())), 201)
