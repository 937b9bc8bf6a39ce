"""The one place where errors become HTML or JSON responses.

The exceptions themselves live in ``portal.exceptions``, so that raising one never
imports the handlers (which record refusals in the audit trail).
"""

from __future__ import annotations

import math
import time

import structlog
from flask import (
    Flask,
    current_app,
    jsonify,
    make_response,
    render_template,
    request,
    url_for,
)
from flask_limiter import RateLimitExceeded
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm.exc import ObjectDeletedError
from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    RequestEntityTooLarge,
    RequestURITooLarge,
)

from portal.database import database_busy, database_full
from portal.exceptions import DomainError, Forbidden
from portal.extensions import db, limiter
from portal.identity import current_principal
from portal.services import security_events

log = structlog.get_logger("portal.errors")


# Under /api/ but read by people in a browser, signed in with their session.
API_PAGES = frozenset({"/api/v1/docs"})
# The API's descriptions: read by people (signed in) and by scripts (with a token).
API_DESCRIPTIONS = API_PAGES | {"/api/v1/openapi.json"}


def wants_json() -> bool:
    """Return whether the client should get JSON rather than an HTML page."""
    if request.path.startswith("/api/") and request.path not in API_PAGES:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    """Answer an error in the form the client asked for."""
    if wants_json():
        body = {"error": {"code": code, "message": message, "fields": fields or {}}}
        return jsonify(body), status
    page = render_template("errors/error.html", status=status, message=message, fields=fields or {})
    return page, status


def _http_code(error: HTTPException) -> str:
    return (error.name or "error").lower().replace(" ", "_")


def _record_denial(error: Forbidden) -> None:
    # The refused request changed nothing; its denial is what goes into the trail.
    db.session.rollback()
    principal = current_principal()
    try:
        security_events.record(
            "access_denied",
            user_id=principal.user_id if principal else None,
            method=request.method,
            path=request.path[:300],
            reason=error.message,
        )
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.error("access_denial_not_recorded", exc_info=True)


def _handle_domain_error(error: DomainError):
    if isinstance(error, Forbidden):
        _record_denial(error)
    return error_response(error.status, error.code, error.message, error.fields)


def _handle_http_error(error: HTTPException):
    if error.code is None or error.code >= 500:
        return _handle_unexpected_error(error)
    return error_response(error.code, _http_code(error), error.description or error.name)


def readable_size(size: int) -> str:
    """Return a byte count as people read it: 2 MiB, 64 KiB."""
    for unit, factor in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size} bytes"


def _handle_too_large(_error: RequestEntityTooLarge):
    # Raised before the body is read (Content-Length over the cap) or as soon as reading
    # passes it; either way nothing of the request was acted on.
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.max_content_length != limit:
        # A route with a limit of its own: a file to import.
        return error_response(
            413,
            "request_too_large",
            f"The file is too large: at most {readable_size(request.max_content_length)} can be"
            " sent at once. Split it into smaller files.",
        )
    return error_response(
        413,
        "request_too_large",
        f"The request is too large: a form or API call may send at most {readable_size(limit)}. "
        "Shorten the text or send less at once.",
    )


def _handle_long_address(_error: RequestURITooLarge):
    # Raised before anything reads the query string (portal.limits): nothing was done.
    limit = current_app.config["MAX_ADDRESS_BYTES"]
    return error_response(
        414,
        "address_too_long",
        f"The address is too long: a page's address may be at most {readable_size(limit)}. "
        "Use fewer or shorter filters, or start again from the menu.",
    )


def _handle_rate_limited(error: RateLimitExceeded):
    # Refused before the view's work began: nothing was done. The wait is said in
    # Retry-After here, whether or not the limiter adds its own headers afterwards.
    current = limiter.current_limit
    window = error.limit.limit.get_expiry()
    if current is not None:
        # The reset time is counted in whole seconds: never more than the window.
        wait = min(window, max(1, math.ceil(current.reset_at - time.time())))
    else:
        wait = window
    response = make_response(
        error_response(
            429,
            "rate_limited",
            f"Too many requests: at most {error.limit.limit}. Wait {wait} seconds, then try again.",
        )
    )
    response.headers["Retry-After"] = str(wait)
    return response


def _handle_unexpected_error(error: Exception):
    # Whatever the request half-did is abandoned: nothing partial may be committed later.
    db.session.rollback()
    original = getattr(error, "original_exception", None) or error
    log.error("unhandled_error", exc_info=original)
    return error_response(
        500,
        "internal_error",
        "Something went wrong on our side. The error has been logged; please try again.",
    )


# How long a client is asked to wait when the database does not answer: about what a
# restart of PostgreSQL, or a failover, takes.
UNAVAILABLE_RETRY_SECONDS = 5


def database_unavailable(error: DBAPIError) -> bool:
    """Return whether ``error`` says the database is out of reach, not that a query is wrong.

    PostgreSQL: the connection was lost or could not be made, the server is shutting
    down or starting, or the transaction was cancelled or must be retried (psycopg's
    OperationalError and its kinds). SQLite: another connection held the lock too long.
    """
    if error.connection_invalidated:
        return True
    try:
        import psycopg
    except ImportError:  # an installation without PostgreSQL's driver
        psycopg = None
    if psycopg is not None and isinstance(error.orig, psycopg.OperationalError):
        return True
    return database_busy(error)


def _handle_database_error(error: DBAPIError):
    if database_full(error):
        return _handle_database_full(error)
    if not database_unavailable(error):
        return _handle_unexpected_error(error)
    # The request is abandoned whole; its broken connection is not used again (the pool
    # tests each connection before lending it), so service resumes with the database.
    try:
        db.session.rollback()
    except SQLAlchemyError:
        pass
    log.warning("database_unavailable", error=str(error.orig).strip().splitlines()[0][:200])
    message = (
        "The database is not answering just now, so nothing of this request was saved."
        f" Try again in {UNAVAILABLE_RETRY_SECONDS} seconds."
    )
    if wants_json():
        body = {"error": {"code": "database_unavailable", "message": message, "fields": {}}}
        response = make_response(jsonify(body), 503)
    else:
        # A page of its own, rendered without the context processors: the usual layout
        # and navigation read the signed-in user from the database that does not answer.
        page = current_app.jinja_env.get_template("errors/unavailable.html").render(
            message=message, request=request, url_for=url_for
        )
        response = make_response(page, 503)
    response.headers["Retry-After"] = str(UNAVAILABLE_RETRY_SECONDS)
    return response


def _handle_database_full(error: DBAPIError):
    # Nothing of the request was committed: the transaction is rolled back whole.
    try:
        db.session.rollback()
    except SQLAlchemyError:
        pass
    log.error("database_full", error=str(error.orig).strip().splitlines()[0][:200])
    return error_response(
        507,
        "database_full",
        "The server has no room left to save this: nothing of it was saved. Please tell"
        " the IISG Secretariat's administrator; what you entered is still in your browser"
        " (go back to it).",
    )


def _handle_vanished_row(_error: ObjectDeletedError):
    # A row loaded earlier that the acting user may not see (row-level security hides
    # it on refresh) or that was deleted meanwhile: for the user it simply is not there.
    db.session.rollback()
    return error_response(404, "not_found", "There is no such record.")


def _end_the_session(_error) -> None:
    """Close the context's session; on a connection the database dropped, let it go.

    Closing it after the answer is made sends a ROLLBACK: when PostgreSQL has just ended
    the session (a restart), that raised past every handler and the server answered 500
    for a request whose changes were already committed. A connection the database cut is
    only dropped from the pool; any other error is raised as before. Closed, not rolled
    back: the records it loaded stay readable, as the extension's own close leaves them.
    """
    try:
        db.session().close()
    except DBAPIError as error:
        if not database_unavailable(error):
            raise
        log.warning("database_unavailable_at_end", error=str(error.orig).strip()[:200])
        db.session().invalidate()  # the scoped registry does not pass this one on


def register_error_handlers(app: Flask) -> None:
    """Map domain and HTTP errors to responses, once for the whole app."""
    # Registered after the database extension, so run before its own end of the session.
    app.teardown_appcontext(_end_the_session)
    app.register_error_handler(DomainError, _handle_domain_error)
    app.register_error_handler(ObjectDeletedError, _handle_vanished_row)
    app.register_error_handler(DBAPIError, _handle_database_error)
    app.register_error_handler(RequestEntityTooLarge, _handle_too_large)
    app.register_error_handler(RequestURITooLarge, _handle_long_address)
    app.register_error_handler(RateLimitExceeded, _handle_rate_limited)
    app.register_error_handler(HTTPException, _handle_http_error)
    app.register_error_handler(InternalServerError, _handle_unexpected_error)
    app.register_error_handler(Exception, _handle_unexpected_error)
