"""Webhooks of the caller's organisation, and their deliveries (tenant administrators)."""

from __future__ import annotations

from portal.api.core import (
    BODY_ERRORS,
    COMMON_ERRORS,
    Blueprint,
    NoQuery,
    etag_of,
    listed,
    matched_version,
    page_schema,
    read_body,
    tagged,
)
from portal.api.idempotency import withhold_from_replays
from portal.schemas.forms import ListQuerySchema
from portal.schemas.webhooks import WebhookSchema
from portal.schemas.webhooks_output import (
    WebhookCreatedOutputSchema,
    WebhookDeliveryOutputSchema,
    WebhookOutputSchema,
)
from portal.services import webhooks as webhook_service

PATH = "/webhooks"
blueprint = Blueprint(
    "api_webhooks",
    __name__,
    description="Addresses your organisation's systems are sent events at (docs/webhooks.md).",
)
WebhookPageSchema = page_schema(WebhookOutputSchema, "WebhookPage")
DeliveryPageSchema = page_schema(WebhookDeliveryOutputSchema, "WebhookDeliveryPage")


@blueprint.route("")
@blueprint.arguments(ListQuerySchema, location="query")
@blueprint.response(200, WebhookPageSchema)
@blueprint.errors(*COMMON_ERRORS, 422)
def list_webhooks(query):
    """List your organisation's webhooks, the newest first."""
    return listed(webhook_service.page_of_webhooks(query["page"], query["per_page"]))


@blueprint.route("", methods=["POST"])
@blueprint.body(WebhookSchema)
@blueprint.response(201, WebhookCreatedOutputSchema)
@blueprint.errors(*COMMON_ERRORS, *BODY_ERRORS)
def register_webhook():
    """Register a webhook; the answer carries its signing secret, shown this once."""
    webhook_service.require_manager()
    hook, secret = webhook_service.register(read_body(WebhookSchema()))
    # A retry with the same Idempotency-Key gets the webhook, not the secret again.
    withhold_from_replays("secret")
    body = WebhookCreatedOutputSchema().dump(hook) | {"secret": secret}
    return body, 201, {"ETag": etag_of(hook)}


@blueprint.route("/<int:webhook_id>")
@blueprint.arguments(NoQuery, location="query")
@blueprint.response(200, WebhookOutputSchema)
@blueprint.errors(*COMMON_ERRORS)
def get_webhook(_query, webhook_id):
    """Return one webhook of your organisation, with its ETag."""
    return tagged(webhook_service.webhook(webhook_id))


@blueprint.route("/<int:webhook_id>", methods=["DELETE"])
@blueprint.response(204)
@blueprint.errors(*COMMON_ERRORS, 412, 428)
def delete_webhook(webhook_id):
    """Remove a webhook of your organisation (If-Match: its ETag); nothing more is sent."""
    hook = webhook_service.webhook(webhook_id)
    matched_version(hook)
    webhook_service.remove(hook.id)
    return "", 204


@blueprint.route("/<int:webhook_id>/deliveries")
@blueprint.arguments(ListQuerySchema, location="query")
@blueprint.response(200, DeliveryPageSchema)
@blueprint.errors(*COMMON_ERRORS, 422)
def list_deliveries(query, webhook_id):
    """List a webhook's deliveries, the newest first: state, attempts and answers."""
    return listed(webhook_service.deliveries(webhook_id, query["page"], query["per_page"]))
