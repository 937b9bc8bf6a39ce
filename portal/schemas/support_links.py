"""Input for support links: proposing one, disputing one, and picking a need."""

from __future__ import annotations

from marshmallow import fields, validate

from portal.models.support_link import COVERAGES
from portal.schemas import NotBlank, WholeNumber
from portal.schemas.forms import REQUIRED, FormSchema, page_number, printable, text
from portal.schemas.versions import VersionedSchema


class LinkProposalSchema(FormSchema):
    """A proposal that a response addresses a need."""

    need_id = WholeNumber(
        required=True,
        strict=False,
        validate=validate.Range(min=1, max=2**31 - 1, error="There is no such need."),
        error_messages={
            **REQUIRED,
            "required": "Choose a need.",
            "invalid": "There is no such need.",
        },
    )
    coverage = fields.String(
        required=True,
        validate=validate.OneOf(COVERAGES, error="Say whether it covers the need fully or partly."),
        error_messages={**REQUIRED, "required": "Say whether it covers the need fully or partly."},
    )
    note = fields.String(
        load_default="",
        validate=[validate.Length(max=2000, error="Use at most 2000 characters."), printable],
    )


class LinkDisputeReasonSchema(FormSchema):
    """Why the need's partner disputes a link (the API's body; its version is If-Match)."""

    blank_refused = frozenset({"reason"})
    reason = fields.String(
        required=True,
        validate=[
            validate.Length(max=2000, error="Use at most 2000 characters."),
            NotBlank("Say why the response does not address the need."),
            printable,
        ],
        error_messages={**REQUIRED, "required": "Say why the response does not address the need."},
    )


class LinkDisputeSchema(LinkDisputeReasonSchema, VersionedSchema):
    """The need's partner disputing a link, saying why, from the version it was shown."""


class NeedSearchSchema(FormSchema):
    """Query-string of the need picker on a response's "Propose a link" page."""

    q = text(100)
    pillar = fields.String(
        load_default=None, validate=[validate.Length(max=20, error="Unknown pillar."), printable]
    )
    economy = fields.String(
        load_default=None, validate=[validate.Length(max=20, error="Unknown economy."), printable]
    )
    page = page_number()
