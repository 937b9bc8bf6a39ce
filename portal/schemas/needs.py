"""Input for needs: the edit form, the workflow actions, carry-over and the list filters."""

from __future__ import annotations

from marshmallow import fields, validate

from portal.models.need import NEED_STATUSES, PRIORITIES
from portal.schemas.forms import FormSchema
from portal.schemas.versions import VersionedSchema

# Typed text may hold line breaks and tabs, never other control characters: PostgreSQL
# refuses NUL outright, and the rest only ever arrive by accident or malice.
_PRINTABLE = validate.Regexp(
    r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$", error="Remove the control characters."
)
_NOT_BLANK = validate.Regexp(r"\s*\S", error="This cannot be blank.")
LARGEST_ID = 2**31 - 1


def _text(length: int, required: bool = True, **kwargs) -> fields.String:
    checks = [validate.Length(max=length, error=f"Use at most {length} characters."), _PRINTABLE]
    if not required:
        return fields.String(load_default="", validate=checks, **kwargs)
    return fields.String(
        required=True,
        validate=[*checks, _NOT_BLANK],
        error_messages={"required": "This is required."},
        **kwargs,
    )


def _code(label: str, required: bool = True) -> fields.String:
    checks = [validate.Length(max=20, error=f"Choose a {label}."), _PRINTABLE]
    if not required:
        return fields.String(load_default=None, validate=checks)
    return fields.String(
        required=True, validate=checks, error_messages={"required": f"Choose a {label}."}
    )


def _whole_number(label: str, low: int, high: int, **kwargs) -> fields.Integer:
    return fields.Integer(
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
    title = _text(200)
    description = _text(10_000)
    acquis_chapters = fields.List(
        _whole_number("A chapter", 1, 1000),
        load_default=list,
        validate=validate.Length(max=40, error="Choose at most 40 chapters."),
    )
    source_reference = _text(300, required=False)
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
    comment = _text(2000)


class CarryOverSchema(FormSchema):
    """The needs of an adopted cycle chosen to carry over."""

    need_ids = fields.List(
        _whole_number("A need", 1, LARGEST_ID),
        required=True,
        validate=validate.Length(min=1, max=200, error="Choose at least one need."),
        error_messages={"required": "Choose at least one need."},
    )


class CarryOverQuerySchema(FormSchema):
    """The adopted cycle whose needs the carry-over page offers."""

    cycle = _code("cycle", required=False)


class NeedListQuerySchema(FormSchema):
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
    q = _text(100, required=False)
    page = _whole_number("The page", 1, 100_000, load_default=1)
    per_page = _whole_number("The page size", 1, 100, load_default=25)
