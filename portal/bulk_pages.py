"""What the bulk-action pages share: confirm first, act on all chosen records or none, say so.

The needs list and the list of links waiting for validation post their checked rows
here. The form is read with its schema; until it confirms, the page asks, naming how many
records and what will happen to them; confirmed, the service acts on all of them or on
none. A refusal is a page of its own naming each refused record and why; a field left
blank (a return's comment) can be filled in there, the choice kept.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from marshmallow import Schema

from portal.auth import safe_next
from portal.exceptions import ValidationFailed
from portal.schemas.forms import load_form
from portal.services.bulk import BulkOutcome, SelectionRefused
from portal.views import CONFIRM_FIELD, Confirmation, ask_to_confirm, confirmed

# What the choice itself is; a form that fails on it has nothing left to correct here.
_CHOICE = frozenset({"selected", "next"})


def _correctable(error) -> list[str]:
    """Return the fields the person can mend on the refusal page (a comment left blank)."""
    fields = getattr(error, "fields", None) or {}
    if getattr(error, "refusals", None) or set(fields) & _CHOICE:
        return []
    return sorted(fields)


def _carried(error) -> list[tuple[str, str]]:
    """Return what the correction form posts again unchanged: the choice and the list."""
    mended = set(_correctable(error)) | {"csrf_token", CONFIRM_FIELD}
    return [(name, value) for name, value in request.form.items(multi=True) if name not in mended]


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
        page = render_template(
            "bulk/refused.html",
            error=error,
            refusals=refusals,
            back=back,
            correctable=_correctable(error),
            carried=_carried(error),
            action=url_for(request.endpoint),
        )
        return page, error.status
    flash(outcome.summary, "success")
    return redirect(back)
