"""What the bulk-action pages share: confirm first, act on all chosen records or none, say so.

The needs list and the list of links waiting for validation post their checked rows
here. The form is read with its schema; until it confirms, the page asks, naming how many
records and what will happen to them; confirmed, the service acts on all of them or on
none. A refusal is a page of its own naming each refused record and why.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request
from marshmallow import Schema

from portal.auth import safe_next
from portal.exceptions import ValidationFailed
from portal.schemas.forms import load_form
from portal.services.bulk import BulkOutcome, SelectionRefused
from portal.views import Confirmation, ask_to_confirm, confirmed


def bulk_action(
    schema: Schema,
    action: Callable[[dict], BulkOutcome],
    confirmation: Callable[[dict, str], Confirmation],
    list_page: str,
):
    """Take a bulk ``action`` on the posted choice, once confirmed; go back to the list.

    ``list_page`` is where to go back to when the form names no list of this site.
    """
    back = safe_next(request.form.get("next")) or list_page
    try:
        data = load_form(schema, request.form)
        if not confirmed():
            return ask_to_confirm(confirmation(data, back))
        outcome = action(data)
    except (ValidationFailed, SelectionRefused) as error:
        refusals = getattr(error, "refusals", [])
        page = render_template("bulk/refused.html", error=error, refusals=refusals, back=back)
        return page, error.status
    flash(outcome.summary, "success")
    return redirect(back)
