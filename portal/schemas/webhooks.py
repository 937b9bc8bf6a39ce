"""Input for registering a webhook: its address and the events it is sent."""

from __future__ import annotations

from flask import current_app
from marshmallow import ValidationError, fields, validate

from portal.models.webhook import LONGEST_URL
from portal.schemas import BoundedList, InputSchema
from portal.webhook_events import EVENT_NAMES
from portal.webhook_sending import AddressRefused, check_url

# Families a webhook may ask for besides single events: "need.*", ..., or "*".
EVENT_FAMILIES = ("*", *sorted({f"{name.partition('.')[0]}.*" for name in EVENT_NAMES}))
EVENT_CHOICES = (*EVENT_FAMILIES, *EVENT_NAMES)


def _address(value: str) -> None:
    try:
        check_url(value, production=current_app.config.get("ENV_NAME") == "production")
    except AddressRefused as refused:
        raise ValidationError(f"The address {refused}.") from None


class WebhookSchema(InputSchema):
    """A webhook as its administrator registers it."""

    url = fields.String(
        required=True,
        validate=[
            validate.Length(
                min=1,
                max=LONGEST_URL,
                error=f"Give an address of at most {LONGEST_URL} characters.",
            ),
            _address,
        ],
        error_messages={"required": "Give the https:// address to send the events to."},
        metadata={"description": "An https:// address (http only to this machine in trials)."},
    )
    events = BoundedList(
        fields.String(
            validate=validate.OneOf(
                EVENT_CHOICES, error="{input} is not an event: see the list of events."
            )
        ),
        longest=len(EVENT_CHOICES),
        required=True,
        validate=validate.Length(min=1, error="Choose at least one event."),
        error_messages={"required": "Choose at least one event."},
        metadata={"description": "Events (e.g. need.submitted) or families (need.*, *)."},
    )
