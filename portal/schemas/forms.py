"""Reading HTML forms and query strings with the input schemas, at the edge of the portal.

Views load what a browser sent with a schema and hand the services loaded, typed data;
the services never see raw form values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from marshmallow import Schema, fields, pre_load

from portal.schemas import InputSchema, parse


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
