"""How much a request may send, and how much of it a page shows again.

A request body is capped by ``MAX_CONTENT_LENGTH`` (``IISG_MAX_FORM_BYTES``): werkzeug
refuses a larger one before reading it, and ``portal.errors`` answers 413. The address
(path and query string) is capped here by ``MAX_ADDRESS_BYTES``: a longer one is refused
with 414 before a view, the sign-in redirect or the query's parsing sees it.

Within those caps, what a page shows again of the input is bounded by what the input
could usefully be, never by what was sent:

- a refused form is filled in again with at most what each field may hold, as its
  schema says (``refill``): a need's description up to its 10,000 characters, a date
  or an amount up to ``LONGEST_UNSIZED``;
- a list's search box and filters, refused or not, and so its page links, with at most
  ``LONGEST_FILTER`` characters of a value (``refill`` with ``longest``), and only the
  filters the list knows;
- an error message names a submitted value by at most ``LONGEST_QUOTE`` characters,
  cut with an ellipsis (``quoted``);
- the page to come back to after signing in (``next``) is carried only up to
  ``LONGEST_NEXT`` characters, and dropped when longer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app, request
from marshmallow import Schema, fields, validate
from werkzeug.exceptions import RequestURITooLarge

# The longest page to come back to (``next``) the sign-in and confirmation pages carry.
# It waits in the session cookie, which browsers drop beyond 4 KiB, losing the sign-in.
LONGEST_NEXT = 2_000
# The most of one query-string value a page shows again: a search term or a filter.
LONGEST_FILTER = 200
# The most of a submitted value an error message names, the ellipsis included.
LONGEST_QUOTE = 100
ELLIPSIS = "…"
# The most a page shows again of a field whose schema gives it no length: a date, an
# amount, a number, a choice among fixed values. None of them is nearly this long.
LONGEST_UNSIZED = 100
# The most of a one-line field a template fills in again when it is given a raw value
# rather than a refilled one (the ``shown`` filter's default).
LONGEST_LINE = 1000
# How many values of a list field a page gives back when its schema sets no bound.
LONGEST_LIST = 100


def shown(value: Any, longest: int = LONGEST_LINE) -> str:
    """Return ``value`` as text, cut to at most ``longest`` characters ("" for None)."""
    text = "" if value is None else str(value)
    return text[:longest]


def quoted(value: Any, longest: int = LONGEST_QUOTE) -> str:
    """Return ``value`` for an error message: at most ``longest`` characters, cut with "…"."""
    text = "" if value is None else str(value)
    if len(text) <= longest:
        return text
    return text[: longest - len(ELLIPSIS)] + ELLIPSIS


def field_length(field: fields.Field) -> int:
    """Return the most characters ``field`` takes: its Length's maximum, else LONGEST_UNSIZED."""
    maxima = [
        check.max
        for check in field.validators
        if isinstance(check, validate.Length) and check.max is not None
    ]
    return min(maxima) if maxima else LONGEST_UNSIZED


def _cut(value: Any, field: fields.Field, longest: int | None) -> Any:
    if not isinstance(value, str):
        return value
    limit = field_length(field)
    return value[: min(limit, longest) if longest else limit]


def refill(schema: Schema, data: Mapping[str, Any], longest: int | None = None) -> dict:
    """Return the submitted ``data`` of ``schema``'s fields as a page may show them again.

    Each text is cut to what its field may hold (and to ``longest`` if given), each list
    to as many values as the field takes; fields the schema does not know are left out.
    Lists come as lists without their blank values, as ``portal.schemas.forms.form_data``
    reads them.
    """
    values: dict[str, Any] = {}
    for name, field in schema.fields.items():
        if name not in data:
            continue
        if isinstance(field, fields.List):
            items = data.getlist(name) if hasattr(data, "getlist") else data[name]
            items = items if isinstance(items, list | tuple) else [items]
            most = getattr(field, "longest", LONGEST_LIST)
            kept = [item for item in items if item != ""][:most]
            values[name] = [_cut(item, field.inner, longest) for item in kept]
        else:
            values[name] = _cut(data.get(name), field, longest)
    return values


# The routes that take a file to import: a limit of their own (IISG_IMPORT_MAX_BYTES), and
# room for the multipart envelope around the file.
UPLOAD_ENDPOINTS = frozenset({"imports.upload", "api_imports.upload"})
ENVELOPE_BYTES = 64 * 1024


def allow_uploads() -> None:
    """Raise the body limit of the routes that take a file, before anything reads a body.

    Registered before the CSRF check, which reads the form of every page's POST.
    """
    if request.endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = current_app.config["IMPORT_MAX_BYTES"] + ENVELOPE_BYTES


def refuse_long_addresses() -> None:
    """Refuse, with 414, a request whose path and query string are longer than served."""
    # The path as the server passes it (one character per byte), the query string still
    # percent-encoded: nothing is decoded or parsed before the length is known.
    environ = request.environ
    size = len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", ""))
    if size > current_app.config["MAX_ADDRESS_BYTES"]:
        raise RequestURITooLarge()


def register_limits(app: Flask) -> None:
    """Refuse long addresses in every request from here on; give templates ``shown``."""
    app.before_request(refuse_long_addresses)
    app.add_template_filter(shown)
