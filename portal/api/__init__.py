"""The JSON API (/api/v1), authenticated by bearer tokens, described by OpenAPI 3.

Each resource is a blueprint of its own module; ``register_api`` attaches them all and
the document that describes them (``/api/v1/openapi.json``, and ``/api/v1/docs`` for
people). What they share is in ``portal.api.core``; docs/api.md is the guide.
"""

from __future__ import annotations

import json

from apispec.ext.marshmallow import resolver
from flask import Flask, current_app
from flask_smorest import Api

from portal.api.core import NAMED_SCHEMAS, ErrorSchema
from portal.extensions import csrf

PREFIX = "/api/v1"
SETTINGS = {
    "API_TITLE": "IISG Database API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": PREFIX,
    "OPENAPI_JSON_PATH": "openapi.json",
    "API_SPEC_OPTIONS": {
        "info": {
            "description": (
                "Needs, responses and support links of the IISG Database, for scripts and "
                "members' own systems. Every call needs `Authorization: Bearer <token>`; "
                "a token with the scope `read` may only read. Each token may make a "
                "limited number of calls (beyond it: 429 `rate_limited`, with "
                "`Retry-After`). A POST sent with an `Idempotency-Key` header (1 to 200 "
                "characters) is acted on once: a retry with the same key and request "
                "within 24 hours gets the first answer again. See the guide in docs/api.md."
            )
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerToken": []}],
        "components": {
            "securitySchemes": {
                "bearerToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from the account page or `iisg tokens create`.",
                }
            }
        },
    },
}


IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "schema": {"type": "string", "maxLength": 200},
    "description": "The ETag of the record as you last read it; * for whatever it is now.",
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
    "description": (
        "Any unique text; a retry with the same key and body within 24 hours answers as "
        "the first call did and does nothing again."
    ),
}
ETAG = {
    "description": "The record's version: send it back in If-Match to change it.",
    "schema": {"type": "string"},
}
LINK = {"description": "first, prev, next and last pages (RFC 8288).", "schema": {"type": "string"}}
RETRY_AFTER = {
    "description": "Seconds until the token may call again.",
    "schema": {"type": "integer"},
}


def _success_schema(operation: dict, schemas: dict) -> dict:
    for status in ("200", "201"):
        content = operation.get("responses", {}).get(status, {}).get("content", {})
        reference = content.get("application/json", {}).get("schema", {}).get("$ref", "")
        if reference:
            return schemas.get(reference.rsplit("/", 1)[-1], {})
    return {}


def describe_conventions(document: dict) -> dict:
    """Add to the document what every operation shares: the headers of §7's rules.

    Written once here rather than on each view, so no operation can lack them.
    """
    schemas = document.get("components", {}).get("schemas", {})
    responses = document.setdefault("components", {}).setdefault("responses", {})
    if "TOO_MANY_REQUESTS" in responses:
        responses["TOO_MANY_REQUESTS"].setdefault("headers", {})["Retry-After"] = RETRY_AFTER
    for path, item in document.get("paths", {}).items():
        on_a_record = "{" in path
        for method, operation in item.items():
            if method not in ("get", "post", "patch", "delete"):
                continue
            parameters = operation.setdefault("parameters", [])
            if method in ("patch", "delete"):
                parameters.append({**IF_MATCH, "required": True})
            elif method == "post":
                parameters.append(IDEMPOTENCY_KEY)
                if on_a_record:
                    parameters.append({**IF_MATCH, "required": False})
            shape = _success_schema(operation, schemas)
            for status in ("200", "201"):
                answer = operation.get("responses", {}).get(status)
                if answer is None:
                    continue
                if "version" in shape.get("properties", {}):
                    answer.setdefault("headers", {})["ETag"] = ETAG
                if {"items", "total"} <= set(shape.get("properties", {})):
                    answer.setdefault("headers", {})["Link"] = LINK
    return document


class PortalApi(Api):
    """flask-smorest's Api, leaving error answers to the portal's one handler."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        # portal.errors answers every error, pages and API alike, in the §7 envelope.
        pass

    def document(self) -> dict:
        """Return the OpenAPI document, with the conventions every operation shares."""
        return describe_conventions(self.spec.to_dict())

    def _openapi_json(self):
        return current_app.response_class(
            json.dumps(self.document(), indent=2, sort_keys=False),
            mimetype="application/json",
        )


def register_api(app: Flask) -> PortalApi:
    """Attach every resource of the API, and the document describing them, to ``app``."""
    from portal.api import (
        analysis,
        audit,
        cycles,
        docs,
        imports,
        links,
        me,
        needs,
        reference,
        responses,
        tenants,
        webhooks,
    )

    for name, value in SETTINGS.items():
        app.config.setdefault(name, value)
    api = PortalApi(app)
    app.register_blueprint(docs.blueprint)
    modules = (
        me,
        needs,
        responses,
        links,
        cycles,
        tenants,
        reference,
        analysis,
        audit,
        webhooks,
        imports,
    )
    for module in modules:
        csrf.exempt(module.blueprint)
        api.register_blueprint(module.blueprint, url_prefix=f"{PREFIX}{module.PATH}")
    for schema in dict.fromkeys(NAMED_SCHEMAS):
        if resolver(schema) not in api.spec.components.schemas:
            api.spec.components.schema(resolver(schema), schema=schema)
    return api
