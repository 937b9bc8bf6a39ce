"""Input for the reference lists administrators maintain."""

from __future__ import annotations

from marshmallow import fields, validate

from portal.schemas import InputSchema, NotBlank


def _text(length: int, required: bool = True) -> fields.String:
    checks = [validate.Length(max=length, error=f"Use at most {length} characters.")]
    if required:
        checks.append(NotBlank("This cannot be blank."))
    if not required:
        return fields.String(load_default="", validate=checks)
    return fields.String(
        required=True, validate=checks, error_messages={"required": "This is required."}
    )


class PillarSchema(InputSchema):
    code = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[A-Za-z][A-Za-z0-9-]{1,19}$",
            error="Use 2 to 20 letters, digits or hyphens, starting with a letter (e.g. WBCTi).",
        ),
        error_messages={"required": "This is required."},
    )
    name = _text(200)
    description = _text(1000, required=False)


class AcquisChapterSchema(InputSchema):
    number = fields.Integer(
        required=True,
        strict=False,
        validate=validate.Range(min=1, max=40, error="Chapters are numbered 1 to 40."),
        error_messages={"invalid": "Enter the chapter's number.", "required": "This is required."},
    )
    title = _text(200)
