"""A list in the input is refused for its length before any of its elements is loaded."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from marshmallow import fields

import portal.schemas
from portal.exceptions import ValidationFailed
from portal.schemas import InputSchema, parse

# The most a request under the body cap could carry (2 MiB of "acquis_chapters=1&").
HUGE = 200_000


def input_schemas() -> list[type[InputSchema]]:
    for module in pkgutil.iter_modules(portal.schemas.__path__):
        importlib.import_module(f"portal.schemas.{module.name}")
    found, waiting = [], [InputSchema]
    while waiting:
        for subclass in waiting.pop().__subclasses__():
            found.append(subclass)
            waiting.append(subclass)
    return found


LIST_FIELDS = sorted(
    {
        (schema.__module__, schema.__name__, name)
        for schema in input_schemas()
        for name, field in schema._declared_fields.items()
        if isinstance(field, fields.List)
    }
)


def test_the_known_list_fields_are_all_found():
    names = {name for _module, _schema, name in LIST_FIELDS}

    assert {"acquis_chapters", "pillars", "beneficiaries", "roles", "need_ids"} <= names


@pytest.mark.parametrize(("module", "schema_name", "name"), LIST_FIELDS)
def test_an_over_long_list_is_refused_before_its_elements_are_loaded(
    module, schema_name, name, monkeypatch
):
    schema = getattr(importlib.import_module(module), schema_name)()
    inner = schema.fields[name].inner
    loaded = []
    original = inner.deserialize
    monkeypatch.setattr(inner, "deserialize", lambda *a, **k: loaded.append(1) or original(*a, **k))

    with pytest.raises(ValidationFailed) as refused:
        parse(schema, {name: ["1"] * HUGE})

    assert name in refused.value.fields
    assert "at most" in refused.value.fields[name]
    assert loaded == []


@pytest.mark.parametrize(
    ("module", "schema_name", "name", "longest"),
    [
        ("needs", "NeedSchema", "acquis_chapters", 40),
        ("needs", "CarryOverSchema", "need_ids", 200),
        ("responses", "ResponseSchema", "pillars", 20),
        ("responses", "ResponseSchema", "beneficiaries", 50),
    ],
)
def test_a_list_of_the_longest_length_is_still_loaded(module, schema_name, name, longest):
    schema = getattr(importlib.import_module(f"portal.schemas.{module}"), schema_name)()

    try:
        parse(schema, {name: ["1"] * longest})
    except ValidationFailed as error:
        # Other fields are missing; this one must not be among the refused.
        assert name not in error.fields
