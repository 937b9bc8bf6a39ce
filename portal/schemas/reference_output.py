"""Output shapes of reference data and organisations as other records name them."""

from __future__ import annotations

from marshmallow import fields

from portal.schemas.output import OutputSchema


class CodedReferenceOutputSchema(OutputSchema):
    """A pillar, need category or perspective: its code beside its name."""

    code = fields.String()
    name = fields.String()


class EconomyOutputSchema(OutputSchema):
    """A partner economy: its code beside its name as the IISG writes it."""

    code = fields.String()
    # The model's display name adds the asterisk of a footnoted economy (Kosovo*), as every
    # page shows it.
    name = fields.String(attribute="display_name")


class AcquisChapterOutputSchema(OutputSchema):
    """A chapter of the EU acquis: its number beside its title."""

    number = fields.Integer()
    title = fields.String()


class TenantReferenceOutputSchema(OutputSchema):
    """An organisation as a record names it: code, name and kind."""

    code = fields.String()
    name = fields.String()
    kind = fields.String()


class PartyOutputSchema(OutputSchema):
    """A donor or implementer: an organisation of the portal, or a body named only (no code)."""

    code = fields.String(attribute="tenant.code", dump_default=None)
    name = fields.String()
    kind = fields.String(attribute="tenant.kind", dump_default=None)


class PillarOutputSchema(CodedReferenceOutputSchema):
    """A pillar as its reference list shows it: with what it covers."""

    description = fields.String()


class PartnerEconomyOutputSchema(EconomyOutputSchema):
    """A partner economy as its reference list shows it: with the footnote its asterisk marks."""

    footnote = fields.String(allow_none=True)
