"""What every endpoint of the JSON API shares: input, lists, versions, scopes, errors.

- Input is read by webargs with the portal's own input schemas (``portal.schemas``), so
  the API and the pages validate alike. Unlike a form, the API refuses what it does not
  know: an unknown query parameter is a 400 naming it, an unknown body field a 422.
- A list answers ``{"items", "page", "per_page", "total"}`` with a ``Link`` header.
- A single record carries a strong ``ETag`` made of its version; a change names the
  version it was made on in ``If-Match`` (428 without it, 412 when it is not current).
- A token with the ``read`` scope may only read.
- A POST named by an ``Idempotency-Key`` is answered once; its retries get the same
  answer (``portal.api.idempotency``).
- Each token may make ``API_RATE_LIMIT`` calls (calls without one: each address), over
  every resource together; then 429 ``rate_limited`` with ``Retry-After``.

docs/api.md describes all of it for the people who call the API.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from urllib.parse import urlencode

from apispec.ext.marshmallow import resolver
from flask import current_app, g, request
from flask_limiter.util import get_remote_address
from flask_login import current_user
from flask_smorest import Blueprint as SmorestBlueprint
from marshmallow import RAISE, Schema, fields, validate
from webargs import core as webargs_core
from webargs.flaskparser import FlaskParser

from portal import authz
from portal.api.idempotency import claim_key, settle_key
from portal.exceptions import DomainError, Forbidden, ValidationFailed
from portal.extensions import limiter
from portal.pagination import Page
from portal.schemas.forms import FormSchema
from portal.versions import StaleVersion


class BadRequest(DomainError):
    """A request the API cannot read at all: unknown parameters, a body that is not JSON."""

    status = 400
    code = "bad_request"


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"


class PreconditionRequired(DomainError):
    status = 428
    code = "precondition_required"


class PreconditionFailed(DomainError):
    status = 412
    code = "precondition_failed"


class InsufficientScope(Forbidden):
    code = "insufficient_scope"


UNKNOWN_FIELD = "Unknown field."


def _flatten(messages, prefix: str = "") -> dict[str, str]:
    """Return marshmallow's nested messages as one reason per dotted field name."""
    flat: dict[str, str] = {}
    if isinstance(messages, dict):
        for name, problems in messages.items():
            key = f"{prefix}.{name}" if prefix else str(name)
            if isinstance(problems, dict):
                flat.update(_flatten(problems, key))
            elif isinstance(problems, list) and problems and isinstance(problems[0], dict):
                for nested in problems:
                    flat.update(_flatten(nested, key))
            else:
                first = problems[0] if isinstance(problems, list) and problems else problems
                flat[key] = str(first)
    else:
        flat[prefix or "_schema"] = str(messages)
    return flat


class ApiParser(FlaskParser):
    """Reads API input with the portal's schemas, refusing what they do not know."""

    DEFAULT_UNKNOWN_BY_LOCATION = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "json": RAISE,
        "query": RAISE,
        "querystring": RAISE,
    }

    def _raw_load_json(self, req):
        if not req.get_data(cache=True):
            return webargs_core.missing
        if not webargs_core.is_json(req.mimetype):
            authz.input_refused()
            raise UnsupportedMediaType(
                f"The body must be JSON, sent as Content-Type: application/json "
                f"(this request sent {req.mimetype or 'no content type'}).",
                {"Content-Type": "Send application/json."},
            )
        try:
            return webargs_core.parse_json(req.get_data(cache=True))
        except RecursionError:
            # Nested deeper than Python's parser goes: no form of ours nests at all.
            authz.input_refused()
            raise BadRequest(
                "The body is not valid JSON, so nothing was done.",
                {"body": "Nested too deeply."},
            ) from None

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        authz.input_refused()
        raise BadRequest(
            "The body is not valid JSON, so nothing was done.",
            {"body": f"Not valid JSON: {error}"[:300]},
        )

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        # Refused as unreadable, before anything was read or changed.
        authz.input_refused()
        [(location, messages)] = error.messages.items()
        problems = _flatten(messages)
        if location in ("query", "querystring"):
            unknown = sorted(name for name, reason in problems.items() if reason == UNKNOWN_FIELD)
            if unknown:
                raise BadRequest(
                    "Unknown query parameters: " + ", ".join(unknown) + ".",
                    {name: "This endpoint takes no such parameter." for name in unknown},
                )
            raise ValidationFailed("Some query parameters need attention.", problems)
        if isinstance(messages, dict) and set(messages) == {"_schema"}:
            raise ValidationFailed("The body must be a JSON object.", problems)
        raise ValidationFailed("Some fields need attention; nothing was saved.", problems)


def refuse_undeclared_query() -> None:
    """Refuse query parameters sent to an operation that declares none (a 400 naming them).

    Operations with parameters refuse the unknown ones as they read them (``ApiParser``).
    """
    if not request.args:
        return
    view = current_app.view_functions.get(request.endpoint)
    declared = getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", [])
    if any(parameter["in"] in ("query", "querystring") for parameter in declared):
        return
    authz.input_refused()
    unknown = sorted(request.args)
    raise BadRequest(
        "Unknown query parameters: " + ", ".join(unknown) + ".",
        {name: "This endpoint takes no such parameter." for name in unknown},
    )


class Blueprint(SmorestBlueprint):
    """A resource of the API: its views read input with ``ApiParser``."""

    ARGUMENTS_PARSER = ApiParser()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Declared here, once per process like the blueprint itself, however many apps
        # it is registered on: the limiter keeps its limits by blueprint name.
        rate_limited(self)
        self.before_request(refuse_undeclared_query)
        # Before any view: a read token's change is refused whatever the view does; then
        # a POST's Idempotency-Key is claimed (or its kept answer given), and settled after.
        self.before_request(require_scope)
        self.before_request(claim_key)
        self.after_request(settle_key)

    def body(self, schema: Schema, *, required: bool = True):
        """Document the JSON body a view reads with ``read_body`` once it found its record.

        The body is read after the record is found and the change allowed, so that a
        caller learns nothing of a record it may not see from how its body was judged:
        404 and 403 come first, as on the pages.
        """

        def document(view):
            described = self.arguments(schema, required=required)(view)
            view._apidoc = described._apidoc
            return view

        return document

    def errors(self, *statuses: int):
        """Document the error answers (in the envelope) a view may give."""

        def document(view):
            for status in sorted(set(statuses)):
                view = self.alt_response(status, response=HTTPStatus(status).name)(view)
            return view

        return document


class EmptyBody(FormSchema):
    """A workflow step takes no fields; its version comes in If-Match."""


def read_body(schema: Schema) -> dict:
    """Return the request's JSON body as ``schema`` loads it, or refuse it (400, 415, 422)."""
    data = Blueprint.ARGUMENTS_PARSER.parse(schema, request, location="json")
    return data if data is not webargs_core.missing else {}


# --- the error envelope, as the OpenAPI document describes it ---------------------------


class ErrorDetailSchema(Schema):
    code = fields.String(required=True, metadata={"description": "Machine-readable reason."})
    message = fields.String(required=True, metadata={"description": "What went wrong, for people."})
    fields = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": "The field (or parameter, or header) and why it was refused."},
    )


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetailSchema, required=True)


# Which error statuses each kind of operation may answer, for the OpenAPI document.
COMMON_ERRORS = (400, 401, 403, 404, 413, 414, 429)
BODY_ERRORS = (409, 415, 422)
WRITE_ERRORS = (409, 412, 415, 422, 428)


class NoQuery(Schema):
    """The query string of an endpoint that takes no parameters: any one sent is refused."""


# Schemas the document names without a field nesting them (``any_of``); ``register_api``
# adds them to its components.
NAMED_SCHEMAS: list[type[Schema]] = []


def any_of(*schemas: type[Schema]) -> dict:
    """Return the OpenAPI description of a value shaped by one of ``schemas``."""
    NAMED_SCHEMAS.extend(schemas)
    return {"anyOf": [{"$ref": f"#/components/schemas/{resolver(schema)}"} for schema in schemas]}


# --- lists ---------------------------------------------------------------------------------


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """Return the schema of one page of a list of ``item_schema`` records."""
    return type(
        name,
        (Schema,),
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "page": fields.Integer(required=True),
            "per_page": fields.Integer(required=True),
            "total": fields.Integer(required=True),
        },
    )


def page_links(page: Page) -> str:
    """Return the ``Link`` header of a page: first, prev, next and last."""
    arguments = [(key, value) for key, value in request.args.items(multi=True) if key != "page"]

    def link(number: int, relation: str) -> str:
        query = urlencode([*arguments, ("page", str(number))])
        return f'<{request.base_url}?{query}>; rel="{relation}"'

    links = [link(1, "first")]
    if page.has_previous:
        links.append(link(min(page.number - 1, page.pages), "prev"))
    if page.has_next:
        links.append(link(page.number + 1, "next"))
    links.append(link(page.pages, "last"))
    return ", ".join(links)


def listed(page: Page):
    """Return the view's answer for one page of a list: body and ``Link`` header."""
    body = {
        "items": page.items,
        "page": page.number,
        "per_page": page.per_page,
        "total": page.total,
    }
    return body, 200, {"Link": page_links(page)}


def sort_field(choices: tuple[str, ...], default: str) -> fields.String:
    """Return the ``sort`` parameter of a list: one of ``choices``, ``-`` for descending."""
    allowed = ", ".join(choices)
    # A validator raises (marshmallow 4 takes a returned False for a pass).
    return fields.String(
        load_default=default,
        validate=validate.OneOf(
            [*choices, *(f"-{choice}" for choice in choices)],
            error=f"Sort by one of: {allowed} (with - before it to sort descending).",
        ),
        metadata={"description": f"One of {allowed}; a leading - sorts descending."},
    )


# --- versions ------------------------------------------------------------------------------


def etag_of(record) -> str:
    """Return the strong entity tag of a versioned record."""
    return f'"{record.version}"'


def tagged(record, status: int = 200):
    """Return the view's answer for one record, with its ``ETag``."""
    return record, status, {"ETag": etag_of(record)}


def matched_version(record) -> dict:
    """Return the version fields a change of ``record`` names, from ``If-Match``.

    Without ``If-Match`` the change is refused (428); with a tag that is not the record's
    current one, too (412). ``*`` means "whatever it is now".
    """
    header = request.headers.get("If-Match")
    if header is None:
        raise PreconditionRequired(
            "Send If-Match with the ETag of the record you are changing, so that nobody's "
            "change is overwritten unseen.",
            {"If-Match": "This header is required."},
        )
    tags = [tag.strip() for tag in header.split(",")]
    if "*" not in tags and etag_of(record) not in tags:
        raise PreconditionFailed(
            f"The record changed since you read it (it is now at version {record.version}); "
            "nothing was saved. Read it again, then retry.",
            {"If-Match": f"The current ETag is {etag_of(record)}."},
        )
    return {"version": record.version, "opened": ""}


def optional_version(record) -> dict:
    """Return the version fields of a workflow step: ``If-Match`` when sent, else current."""
    if request.headers.get("If-Match") is None:
        return {"version": record.version, "opened": ""}
    return matched_version(record)


def changing(action: Callable, record, data: dict, version: dict):
    """Run ``action`` on ``record``; a save that lost a race answers 412, not 409."""
    try:
        return action(record, {**data, **version})
    except StaleVersion as error:
        raise PreconditionFailed(
            error.message, {"If-Match": "The record changed meanwhile."}
        ) from None


# --- rate limits -------------------------------------------------------------------------


def rate_limit_key() -> str:
    """Return whose calls a call counts among: its token's, or its address's without one.

    The limiter asks before the sign-in gate, so the token is signed in here (the request
    loader of ``portal.auth``); the gate then finds it signed in.
    """
    token = g.get("api_token") if current_user.is_authenticated else None
    if token is not None:
        return f"token:{token.id}"
    return f"address:{get_remote_address()}"


# One count per token over every resource of the API (a shared scope), as configured.
rate_limited = limiter.shared_limit(
    lambda: current_app.config["API_RATE_LIMIT"], scope="api", key_func=rate_limit_key
)


# --- scopes --------------------------------------------------------------------------------

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def reads_only(view):
    """Mark a POST that changes no record (verifying the trail): a read token may call it."""
    view._reads_only = True
    return view


def require_scope() -> None:
    """Refuse a change made with a token whose scope is ``read`` (before the view runs)."""
    token = getattr(g, "api_token", None)
    if token is None or request.method in READ_METHODS:
        return
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "_reads_only", False) or token.scope == "write":
        return
    raise InsufficientScope(
        "This token may only read (scope read); create a token with scope write to change records.",
        {"Authorization": "The token's scope is read."},
    )
