"""Input for needs: the edit form, the workflow actions, carry-over and the list filters."""

from __future__ import annotations

from marshmallow import fields, validate

from portal.models.need import NEED_STATUSES, PRIORITIES
from portal.schemas import BoundedList, WholeNumber
from portal.schemas.forms import FormSchema, ListQuerySchema, printable, text
from portal.schemas.versions import VersionedSchema

LARGEST_ID = 2**31 - 1


def _code(label: str, required: bool = True) -> fields.String:
    checks = [validate.Length(max=20, error=f"Choose a {label}."), printable]
    if not required:
        return fields.String(load_default=None, validate=checks)
    return fields.String(
        required=True, validate=checks, error_messages={"required": f"Choose a {label}."}
    )


def _whole_number(label: str, low: int, high: int, **kwargs) -> fields.Integer:
    return WholeNumber(
        strict=False,
        validate=validate.Range(min=low, max=high, error=f"{label} must be {low} to {high}."),
        error_messages={
            "invalid": f"{label} must be a whole number.",
            "required": f"{label} is required.",
        },
        **kwargs,
    )


class NeedSchema(FormSchema):
    """The fields of a need that its owner's editors write."""

    blank_refused = frozenset({"title", "description"})
    pillar = _code("pillar")
    category = _code("category")
    perspective = _code("perspective")
    title = text(200, required=True)
    description = text(10_000, required=True)
    acquis_chapters = BoundedList(
        _whole_number("A chapter", 1, 1000),
        load_default=list,
        longest=40,
        too_long="Choose at most 40 chapters.",
    )
    source_reference = text(300)
    priority = fields.String(
        required=True,
        validate=validate.OneOf(PRIORITIES, error="Priority is high, medium or low."),
        error_messages={"required": "Choose a priority."},
    )


class NeedEditSchema(NeedSchema, VersionedSchema):
    """A change to an existing need, from the version the editor started from."""


class NeedReturnSchema(VersionedSchema):
    """Returning a submitted need to its owner, with the Secretariat's comment."""

    blank_refused = frozenset({"comment"})
    comment = text(2000, required=True)


class CarryOverSchema(FormSchema):
    """The needs of an adopted cycle chosen to carry over."""

    need_ids = BoundedList(
        _whole_number("A need", 1, LARGEST_ID),
        required=True,
        longest=200,
        too_long="Choose at most 200 needs at once.",
        validate=validate.Length(min=1, error="Choose at least one need."),
        error_messages={"required": "Choose at least one need."},
    )


class CarryOverQuerySchema(FormSchema):
    """The adopted cycle whose needs the carry-over page offers."""

    cycle = _code("cycle", required=False)


class NeedListQuerySchema(ListQuerySchema):
    """Query-string filters of the needs list; an empty value means "any"."""

    cycle = _code("cycle", required=False)
    pillar = _code("pillar", required=False)
    partner = _code("partner", required=False)
    category = _code("category", required=False)
    perspective = _code("perspective", required=False)
    status = fields.String(
        load_default=None,
        validate=validate.OneOf(NEED_STATUSES, error="Statuses are: " + ", ".join(NEED_STATUSES)),
    )
    priority = fields.String(
        load_default=None,
        validate=validate.OneOf(PRIORITIES, error="Priority is high, medium or low."),
    )
    chapter = _whole_number("The chapter", 1, 1000, load_default=None)
    q = text(100)
