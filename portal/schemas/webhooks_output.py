"""Output shapes of webhooks and their deliveries."""

from __future__ import annotations

from marshmallow import fields

from portal.schemas.output import OutputSchema, Timestamp


class WebhookOutputSchema(OutputSchema):
    """A webhook of the caller's organisation (never its secret)."""

    id = fields.Integer()
    version = fields.Integer()
    url = fields.String()
    events = fields.List(fields.String())
    active = fields.Boolean()
    # Why the worker switched it off; empty while it is on.
    disabled_reason = fields.String()
    created_at = Timestamp()


class WebhookCreatedOutputSchema(WebhookOutputSchema):
    """A webhook just registered, with its signing secret: shown this once."""

    secret = fields.String()


class WebhookDeliveryOutputSchema(OutputSchema):
    """One event sent (or to be sent) to a webhook, and its attempts."""

    id = fields.Integer()
    event_id = fields.String()
    event = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    next_attempt_at = Timestamp()
    last_attempt_at = Timestamp(allow_none=True)
    response_code = fields.Integer(allow_none=True)
    error = fields.String()
    delivered_at = Timestamp(allow_none=True)
    payload = fields.Dict()
