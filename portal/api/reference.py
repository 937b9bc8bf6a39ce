"""The reference lists that needs and responses name: pillars, categories, chapters and more."""

from __future__ import annotations

from dataclasses import replace

from marshmallow import Schema, fields

from portal.api.core import COMMON_ERRORS, Blueprint, any_of, listed
from portal.schemas.forms import ListQuerySchema
from portal.schemas.reference_output import (
    AcquisChapterOutputSchema,
    CodedReferenceOutputSchema,
    PartnerEconomyOutputSchema,
    PillarOutputSchema,
)
from portal.services import reference as reference_service

PATH = "/reference"
blueprint = Blueprint(
    "api_reference",
    __name__,
    description="Reference lists: " + ", ".join(reference_service.LISTS) + ".",
)
# The shape of each list's items.
SHAPES = {
    "pillars": PillarOutputSchema,
    "need-categories": CodedReferenceOutputSchema,
    "perspectives": CodedReferenceOutputSchema,
    "acquis-chapters": AcquisChapterOutputSchema,
    "economies": PartnerEconomyOutputSchema,
}


class ReferencePageSchema(Schema):
    items = fields.List(
        fields.Raw(metadata=any_of(*dict.fromkeys(SHAPES.values()))),
        required=True,
        metadata={"description": "The list's items, each in the shape of its list."},
    )
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)


@blueprint.route("/<list_name>")
@blueprint.arguments(ListQuerySchema, location="query")
@blueprint.response(200, ReferencePageSchema)
@blueprint.errors(*COMMON_ERRORS, 422)
def list_reference(query, list_name):
    """List one reference list, in its order.

    The lists are pillars, need-categories, perspectives, acquis-chapters and economies;
    any other name is answered 404.
    """
    page = reference_service.reference_list(list_name, query["page"], query["per_page"])
    shape = SHAPES[list_name]()
    return listed(replace(page, items=shape.dump(page.items, many=True)))
