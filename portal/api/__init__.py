"""The JSON API (/api/v1), authenticated by bearer tokens, described by OpenAPI 3.

Each resource is a blueprint of its own module; ``register_api`` attaches them all and
the document that describes them (``/api/v1/openapi.json``, and ``/api/v1/docs`` for
people). What they share is in ``portal.api.core``; docs/api.md is the guide.
"""

from __future__ import annotations

from apispec.ext.marshmallow import resolver
from flask import Flask
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
                "see the guide in docs/api.md."
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


class PortalApi(Api):
    """flask-smorest's Api, leaving error answers to the portal's one handler."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        # portal.errors answers every error, pages and API alike, in the §7 envelope.
        pass


def register_api(app: Flask) -> PortalApi:
    """Attach every resource of the API, and the document describing them, to ``app``."""
    from portal.api import analysis, audit, cycles, me, needs, reference, tenants

    for name, value in SETTINGS.items():
        app.config.setdefault(name, value)
    api = PortalApi(app)
    for module in (me, needs, cycles, tenants, reference, analysis, audit):
        csrf.exempt(module.blueprint)
        api.register_blueprint(module.blueprint, url_prefix=f"{PREFIX}{module.PATH}")
    for schema in dict.fromkeys(NAMED_SCHEMAS):
        if resolver(schema) not in api.spec.components.schemas:
            api.spec.components.schema(resolver(schema), schema=schema)
    return api
