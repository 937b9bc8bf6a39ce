"""Marshmallow schemas: the one place input from forms, the API and the CLI is checked."""

from __future__ import annotations

from collections.abc import Mapping, Sized
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, utils, validate

from portal.exceptions import ValidationFailed


class InputSchema(Schema):
    """Base of every input schema: fields it does not know (the CSRF token) are ignored."""

    class Meta:
        unknown = EXCLUDE


class BoundedList(fields.List):
    """A list refused as a whole when longer than ``longest``, before any element is loaded.

    A ``validate.Length`` on a plain list only runs once every element has been loaded
    and checked: a list of 200,000 elements cost seconds before it was refused. Every
    list an input schema accepts is one of these.
    """

    default_error_messages = {"too_long": "Choose at most {longest}."}

    def __init__(self, inner, *, longest: int, too_long: str | None = None, **kwargs):
        super().__init__(inner, **kwargs)
        self.longest = longest
        if too_long is not None:
            self.error_messages = {**self.error_messages, "too_long": too_long}

    def _deserialize(self, value, attr, data, **kwargs):
        if utils.is_collection(value) and isinstance(value, Sized) and len(value) > self.longest:
            raise self.make_error("too_long", longest=self.longest)
        return super()._deserialize(value, attr, data, **kwargs)


class NotBlank(validate.Validator):
    """Refuse text that is empty or only white space.

    Not a ``Regexp``: the OpenAPI document can carry one pattern per field, and the
    pattern a field shows is the one saying which characters it takes.
    """

    def __init__(self, error: str = "This cannot be blank."):
        self.error = error

    def __call__(self, value):
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(self.error)
        return value


class WholeNumber(fields.Integer):
    """A whole number, from a form's text or a JSON number; 1.7 is refused, not cut to 1."""

    def _validated(self, value):
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid")
        return super()._validated(value)


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
