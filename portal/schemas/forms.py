"""Reading HTML forms and query strings with the input schemas, at the edge of the portal.

Views load what a browser sent with a schema and hand the services loaded, typed data;
the services never see raw form values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from marshmallow import Schema, fields, pre_load, validate

from portal.pagination import LARGEST_PAGE
from portal.schemas import InputSchema, NotBlank, parse

# Typed text may hold line breaks and tabs, never other control characters: PostgreSQL
# refuses NUL outright, and the rest only ever arrive by accident or malice.
# Nor half of a UTF-16 pair (JSON can spell one, "\ud800"): no encoding can store it.
printable = validate.Regexp(
    r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]*$",
    error="Remove the control characters from this text.",
)
REQUIRED = {"required": "This is required.", "null": "This is required."}


def text(length: int, required: bool = False) -> fields.String:
    """Return a field of typed text of at most ``length`` characters ("" unless given)."""
    checks = [validate.Length(max=length, error=f"Use at most {length} characters."), printable]
    if not required:
        return fields.String(load_default="", validate=checks)
    checks.append(NotBlank("This cannot be blank."))
    return fields.String(required=True, validate=checks, error_messages=REQUIRED)


class FormSchema(InputSchema):
    """An input schema for a form or a query string, which sends every field, filled or not.

    A blank value means "not given" (an unchosen select, an empty filter or date), so the
    field's default or its "required" message applies; except in ``blank_refused``, the
    text fields where a blank answer is refused as blank.
    """

    blank_refused: ClassVar[frozenset[str]] = frozenset()

    @pre_load
    def blank_means_not_given(self, data, **kwargs):
        """Drop blank values, but those of the fields where a blank answer is refused."""
        if not isinstance(data, Mapping):
            return data
        return {
            key: value
            for key, value in data.items()
            if key in self.blank_refused or not (isinstance(value, str) and not value.strip())
        }


def form_data(schema: Schema, form: Mapping[str, Any]) -> dict[str, Any]:
    """Return a submitted form or query string as ``schema`` reads it: lists for list fields."""
    data = {}
    for name in form.keys():
        if isinstance(schema.fields.get(name), fields.List):
            values = form.getlist(name) if hasattr(form, "getlist") else form[name]
            values = values if isinstance(values, list | tuple) else [values]
            data[name] = [value for value in values if value != ""]
        else:
            data[name] = form.get(name)
    return data


def load_form(schema: Schema, form: Mapping[str, Any]) -> dict[str, Any]:
    """Load a submitted form or query string with ``schema``, or raise ValidationFailed."""
    return parse(schema, form_data(schema, form))


def page_number() -> fields.Integer:
    """Return the field of a list's page number, 1 unless given."""
    return fields.Integer(
        load_default=1,
        strict=False,
        validate=validate.Range(min=1, max=100_000, error="Pages start at 1."),
        error_messages={"invalid": "The page must be a whole number."},
    )


def page_size(default: int = 25) -> fields.Integer:
    """Return the field of how many rows a list shows per page."""
    return fields.Integer(
        load_default=default,
        strict=False,
        validate=validate.Range(min=1, max=LARGEST_PAGE, error="Show 1 to 100 per page."),
        error_messages={"invalid": "The page size must be a whole number."},
    )


class ListQuerySchema(FormSchema):
    """The query string of a paginated list: which page, and how many rows on it."""

    page = page_number()
    per_page = page_size()
