"""What the record pages share: list pages, record forms, workflow buttons.

The needs and responses pages use all of it; the audit trail's lists use the list
filters too. Each is written once here so that the pages behave alike: a bad filter is
named on the list itself, a refused save shows the form again with what the user typed,
and a refused workflow step shows the record's page with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flask import flash, redirect, render_template, request
from marshmallow import Schema

from portal.errors import wants_json
from portal.exceptions import Conflict, DomainError, ValidationFailed
from portal.limits import LONGEST_FILTER, refill
from portal.schemas.forms import load_form
from portal.versions import carried

# Refusals a page can help with (shown on it, input kept); NotFound and Forbidden go to
# the error page instead, showing nothing of the record.
CORRECTABLE = (ValidationFailed, Conflict)


def list_filters(query: Mapping, given: Mapping) -> dict:
    """Return the filters chosen on a list (those ``given``, as loaded), for its page links."""
    return {
        name: query[name]
        for name in given
        if name != "page" and name in query and query[name] not in ("", None)
    }


def list_page(template: str, schema: Schema, list_records: Callable[[dict], object], **shown):
    """Render one page of a filtered list; a bad filter is named on the list itself (422).

    The refused filters are shown again in their fields, each cut to a search term's
    length at most: an address of kilobytes does not come back as a page of kilobytes.
    """
    try:
        query = load_form(schema, request.args)
        page = list_records(query)
    except ValidationFailed as error:
        if wants_json():
            raise
        typed = refill(schema, request.args, LONGEST_FILTER)
        page_html = render_template(
            template, page=None, query=typed, filters={}, error=error, **shown
        )
        return page_html, error.status
    filters = list_filters(query, request.args)
    return render_template(template, page=page, query=query, filters=filters, error=None, **shown)


def form_page(template: str, values: dict, schema: Schema, error: DomainError | None, **shown):
    """Render a record's form: ``values`` at first, after a refusal what the user typed.

    What the user typed comes back as far as each field may hold it: a description
    pasted a hundred times over returns as long as the field allows, not as sent.
    """
    if error is not None:
        values = refill(schema, request.form)
    page_html = render_template(
        template,
        values=values,
        carried=carried(request.form, error) if error else None,
        error=error,
        **shown,
    )
    return page_html, error.status if error else 200


def act(action, record, schema: Schema, done: str, refused: Callable, then: str):
    """Take a workflow step on ``record`` with the posted form, then go to ``then``.

    A correctable refusal is shown by ``refused(error)``, the page the step was taken on.
    """
    try:
        action(record, load_form(schema, request.form))
    except CORRECTABLE as error:
        return refused(error)
    flash(done, "success")
    return redirect(then)
