"""The search page: needs and responses that hold the words typed in the header's box."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from portal.exceptions import ValidationFailed
from portal.limits import refill
from portal.schemas.forms import load_form
from portal.schemas.search import SearchQuerySchema
from portal.services import search as search_service
from portal.views import list_filters

blueprint = Blueprint("search", __name__, url_prefix="/search")

# What a refused search shows again in its box, at most.
LONGEST_SHOWN = 200


@blueprint.get("")
def index():
    """Show the needs and responses the user may see that hold every word searched for."""
    schema = SearchQuerySchema()
    try:
        query = load_form(schema, request.args)
        results = search_service.search(query)
    except ValidationFailed as error:
        # Nothing is searched, but the reader must still be one who may read records.
        search_service.may_search()
        typed = refill(schema, request.args, LONGEST_SHOWN)
        page = render_template("search/results.html", results=None, query=typed, error=error)
        return page, error.status
    filters = list_filters(query, request.args)
    return render_template(
        "search/results.html", results=results, query=query, filters=filters, error=None
    )
