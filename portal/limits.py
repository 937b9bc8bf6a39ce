"""How much a request may send.

A request body is capped by ``MAX_CONTENT_LENGTH`` (``IISG_MAX_FORM_BYTES``): werkzeug
refuses a larger one before reading it, and ``portal.errors`` answers 413. The address
(path and query string) is capped here by ``MAX_ADDRESS_BYTES``: a longer one is refused
with 414 before a view, the sign-in redirect or the query's parsing sees it.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestURITooLarge


def refuse_long_addresses() -> None:
    """Refuse, with 414, a request whose path and query string are longer than served."""
    # The path as the server passes it (one character per byte), the query string still
    # percent-encoded: nothing is decoded or parsed before the length is known.
    environ = request.environ
    size = len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", ""))
    if size > current_app.config["MAX_ADDRESS_BYTES"]:
        raise RequestURITooLarge()


def register_limits(app: Flask) -> None:
    """Refuse long addresses in every request from here on."""
    app.before_request(refuse_long_addresses)
