"""What the record pages share: list pages, record forms, workflow buttons, confirmations.

The needs and responses pages use all of it; the audit trail's lists use the list
filters too. Each is written once here so that the pages behave alike: a bad filter is
named on the list itself, a refused save shows the form again with what the user typed,
a refused workflow step shows the record's page with the reason, and an action that
destroys or cannot be undone asks first, saying what it will do.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from marshmallow import Schema, fields, validate

from portal.errors import wants_json
from portal.exceptions import Conflict, DomainError, ValidationFailed
from portal.identity import act_as_principal, current_principal
from portal.limits import LONGEST_FILTER, refill
from portal.schemas.forms import FormSchema, load_form, printable
from portal.schemas.imports import ExportFormatSchema
from portal.spreadsheets import XLSX_MEDIA_TYPE, Sheet, csv_lines, file_chunks, write_xlsx
from portal.versions import carried

# Refusals a page can help with (shown on it, input kept); NotFound and Forbidden go to
# the error page instead, showing nothing of the record.
CORRECTABLE = (ValidationFailed, Conflict)


class ListPageQuery(FormSchema):
    """What the needs and responses pages add to their list's filters.

    ``sort`` names a column (``-`` before it: descending); the service's ``ordering``
    refuses any other, naming the field, as the API does. ``mine`` keeps the reader's
    own organisation's records. Both stay in every link of the list, and in its exports.
    """

    sort = fields.String(
        load_default=None,
        validate=[validate.Length(max=40, error="Use at most 40 characters."), printable],
    )
    mine = fields.Boolean(
        load_default=False,
        error_messages={"invalid": "Choose 1 for your own organisation's records only."},
    )


def list_filters(query: Mapping, given: Mapping) -> dict:
    """Return the filters chosen on a list (those ``given``, as loaded), for its page links.

    A filter switched on is written ``1`` in the links; one switched off is left out.
    """
    return {
        name: 1 if query[name] is True else query[name]
        for name in given
        if name != "page"
        and name in query
        and query[name] is not False
        and query[name] not in ("", None)
    }


def offers_own_organisation(*kinds: str) -> bool:
    """Return whether a list offers its reader the filter of their own organisation's records."""
    principal = current_principal()
    return principal is not None and principal.tenant_kind in kinds


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


@dataclass(frozen=True)
class Confirmation:
    """What an action that destroys or cannot be undone asks before it acts.

    ``question`` names the record ("Withdraw need 2026-AL-WBCTi-001?"), ``consequence``
    says what acting does to it, ``button`` acts, ``back`` is where cancelling goes, and
    ``details`` are further (label, value) pairs shown above the consequence.
    """

    question: str
    consequence: str
    button: str
    back: str
    details: tuple[tuple[str, str], ...] = ()


# The field only the confirmation page's form sends, and its one value that confirms.
CONFIRM_FIELD = "confirm"
CONFIRMED = "yes"
# Fields the confirmation page does not carry over as posted: it adds its own.
_NOT_CARRIED = frozenset({"csrf_token", CONFIRM_FIELD})


def confirmed() -> bool:
    """Return whether the posted form confirms its action (it comes from a confirmation page)."""
    return request.form.get(CONFIRM_FIELD) == CONFIRMED


def ask_to_confirm(confirmation: Confirmation):
    """Answer a destructive action's unconfirmed form with the page asking to confirm it.

    The page's form posts to the same address everything the user sent (the version the
    record was opened at, a typed reason, where to go back to), with ``confirm``: nothing
    is changed until it is sent, and no script is needed.
    """
    carried = [
        (name, value) for name, value in request.form.items(multi=True) if name not in _NOT_CARRIED
    ]
    page = render_template(
        "confirmation.html",
        confirmation=confirmation,
        action=url_for(request.endpoint, **request.view_args),
        carried=carried,
        confirm_field=CONFIRM_FIELD,
        confirm_value=CONFIRMED,
    )
    return page, 200


def act(
    action,
    record,
    schema: Schema,
    done: str,
    refused: Callable,
    then: str,
    confirmation: Callable[[dict], Confirmation] | None = None,
):
    """Take a workflow step on ``record`` with the posted form, then go to ``then``.

    A correctable refusal is shown by ``refused(error)``, the page the step was taken on.
    A step that destroys or cannot be undone passes its ``confirmation`` (made from the
    loaded form): until the form confirms, the step is only asked about, once the form
    has been checked, so a missing reason is named before anything is asked.
    """
    try:
        data = load_form(schema, request.form)
        if confirmation is not None and not confirmed():
            return ask_to_confirm(confirmation(data))
        action(record, data)
    except CORRECTABLE as error:
        return refused(error)
    flash(done, "success")
    return redirect(then)


def _json_value(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def _json_lines(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    yield "["
    separator = "\n"
    for row in rows:
        record = {name: _json_value(value) for name, value in zip(header, row, strict=True)}
        yield separator + json.dumps(record, ensure_ascii=False)
        separator = ",\n"
    yield "\n]\n"


def without_format(args):
    """Return a list's query string without the export's ``format``, for the list's schema."""
    kept = args.copy()
    kept.pop("format", None)
    return kept


def xlsx_response(output, headers: Mapping[str, str]) -> Response:
    """Stream a workbook written to a temporary file, closing the file in every case.

    The chunks close it once sent; a HEAD request sends none, so the response closes it
    too when the server is done with it.
    """
    response = Response(file_chunks(output), mimetype=XLSX_MEDIA_TYPE, headers=headers)
    response.call_on_close(output.close)
    return response


def download(export, query_args: Mapping) -> Response:
    """Answer an export in the format asked (``format=csv|xlsx|json``), streamed.

    CSV and JSON are written row by row as the records are read; XLSX is written to a
    temporary file first (a workbook is a zip), then streamed from it.
    """
    chosen = load_form(ExportFormatSchema(), {"format": query_args.get("format", "")})["format"]
    filename = f"iisg-{export.name}.{chosen}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if chosen == "xlsx":
        return xlsx_response(
            write_xlsx([Sheet(export.name, export.header, export.rows())]), headers
        )
    rows = _read_later(export.rows)
    if chosen == "json":
        lines = _json_lines(export.header, rows)
        return Response(lines, mimetype="application/json", headers=headers)
    lines = csv_lines(export.header, rows)
    return Response(lines, content_type="text/csv; charset=utf-8", headers=headers)


def _read_later(rows: Callable[[], Iterator]) -> Iterator:
    """Yield ``rows()`` as the server sends them, after the request itself has ended.

    By then the request's app context, and with it its database session, are gone: the
    rows are read in an app context and session of their own, scoped to the same
    principal (who was checked when the request asked for them).
    """
    app = current_app._get_current_object()
    principal = current_principal()

    def generate():
        with app.app_context():
            act_as_principal(principal)
            try:
                yield from rows()
            finally:
                act_as_principal(None)

    return generate()
