"""Support links: one link, and its workflow (confirm, dispute, validate, withdraw)."""

from __future__ import annotations

from portal.api.core import (
    COMMON_ERRORS,
    WRITE_ERRORS,
    Blueprint,
    EmptyBody,
    changing,
    optional_version,
    read_body,
    tagged,
)
from portal.schemas.support_links import LinkDisputeReasonSchema
from portal.schemas.support_links_output import SupportLinkOutputSchema
from portal.services import support_links as link_service

PATH = "/links"
blueprint = Blueprint(
    "api_links",
    __name__,
    description="Support links between responses and needs, and how far they are agreed.",
)


@blueprint.route("/<int:link_id>")
@blueprint.response(200, SupportLinkOutputSchema)
@blueprint.errors(*COMMON_ERRORS)
def get_link(link_id):
    """Return one link (its need and response must both be visible to the user)."""
    return tagged(link_service.get_link(link_id))


def _step(name: str, action, summary: str, body=EmptyBody):
    @blueprint.route(f"/<int:link_id>/{name}", methods=["POST"], endpoint=f"{name}_link")
    @blueprint.body(body, required=body is not EmptyBody)
    @blueprint.response(200, SupportLinkOutputSchema)
    @blueprint.errors(*COMMON_ERRORS, *WRITE_ERRORS)
    def step(link_id):
        link = link_service.get_link_for(name, link_id)
        version = optional_version(link)
        return tagged(changing(action, link, read_body(body()), version))

    step.__doc__ = summary
    return step


confirm_link = _step(
    "confirm",
    link_service.confirm_link,
    "Confirm, for the need's partner, that the response addresses the need.",
)
dispute_link = _step(
    "dispute",
    link_service.dispute_link,
    "Dispute, for the need's partner, that the response addresses the need, saying why.",
    LinkDisputeReasonSchema,
)
validate_link = _step(
    "validate",
    link_service.validate_link,
    "Validate, for the Secretariat, a link the need's partner confirmed.",
)


@blueprint.route("/<int:link_id>/withdraw", methods=["POST"])
@blueprint.body(EmptyBody, required=False)
@blueprint.response(204)
@blueprint.errors(*COMMON_ERRORS, *WRITE_ERRORS)
def withdraw_link(link_id):
    """Withdraw a link the response's owner proposed: it is deleted (not once validated)."""
    link = link_service.get_link_for("withdraw", link_id)
    version = optional_version(link)
    changing(link_service.withdraw_link, link, read_body(EmptyBody()), version)
    return None
