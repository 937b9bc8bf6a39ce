"""Marshmallow schemas: the one place input from forms, the API and the CLI is checked."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError

from portal.exceptions import ValidationFailed


class InputSchema(Schema):
    """Base of every input schema: fields it does not know (the CSRF token) are ignored."""

    class Meta:
        unknown = EXCLUDE


def _first_messages(messages: Any) -> dict[str, str]:
    fields = {}
    for name, problems in messages.items():
        if isinstance(problems, Mapping):
            problems = [message for nested in problems.values() for message in nested]
        fields[name] = problems[0] if isinstance(problems, list) else str(problems)
    return fields


def parse(schema: Schema, data: Mapping[str, Any]) -> dict[str, Any]:
    """Load ``data`` with ``schema`` or raise ValidationFailed naming each bad field."""
    try:
        return schema.load(data)
    except ValidationError as error:
        raise ValidationFailed(
            "Some fields need attention.", _first_messages(error.messages)
        ) from None
