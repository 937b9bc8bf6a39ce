"""The API's reference for people, at /api/v1/docs: the OpenAPI document, as a page.

It is rendered on the server from the same document scripts read at
/api/v1/openapi.json, so it is complete by construction and needs no script, no
stylesheet of its own and nothing from another site (the pages' CSP holds).
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

blueprint = Blueprint("api_docs", __name__)

METHODS = ("get", "post", "patch", "put", "delete")


def _reference_name(schema: dict) -> str | None:
    reference = schema.get("$ref", "")
    return reference.rsplit("/", 1)[-1] if reference else None


def type_of(schema: dict) -> str:
    """Return how a field's type reads: string, integer, array of Need, NeedPage..."""
    if not schema:
        return "any"
    name = _reference_name(schema)
    if name:
        return name
    if schema.get("type") == "array":
        return f"array of {type_of(schema.get('items', {}))}"
    if schema.get("allOf"):
        return " & ".join(type_of(part) for part in schema["allOf"])
    kind = schema.get("type", "object")
    if schema.get("format"):
        kind += f" ({schema['format']})"
    if schema.get("nullable"):
        kind += " or null"
    return kind


def constraints_of(schema: dict) -> str:
    """Return a field's limits as people read them: one of ..., at most 200 characters..."""
    parts = []
    if "enum" in schema:
        parts.append("one of " + ", ".join(str(value) for value in schema["enum"] if value))
    for key, text in (
        ("minLength", "at least {} characters"),
        ("maxLength", "at most {} characters"),
        ("minimum", "from {}"),
        ("maximum", "to {}"),
        ("maxItems", "at most {} items"),
    ):
        if key in schema:
            parts.append(text.format(schema[key]))
    if schema.get("readOnly"):
        parts.append("read-only")
    if "default" in schema and schema["default"] not in ("", None, []):
        parts.append(f"default {schema['default']}")
    return "; ".join(parts)


def _fields(schema: dict, components: dict) -> list[dict]:
    name = _reference_name(schema)
    if name:
        schema = components.get(name, {})
    required = set(schema.get("required", ()))
    return [
        {
            "name": field,
            "type": type_of(spec),
            "required": field in required,
            "constraints": constraints_of(spec),
            "description": spec.get("description", ""),
        }
        for field, spec in schema.get("properties", {}).items()
    ]


def _operations(document: dict) -> list[dict]:
    components = document.get("components", {})
    responses = components.get("responses", {})
    schemas = components.get("schemas", {})
    operations = []
    for path, item in document.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            answers = []
            for status, answer in sorted(operation.get("responses", {}).items()):
                reference = _reference_name(answer)
                answer = responses.get(reference, answer) if reference else answer
                content = answer.get("content", {}).get("application/json", {})
                answers.append(
                    {
                        "status": status,
                        "description": answer.get("description", ""),
                        "type": type_of(content.get("schema", {})) if content else "",
                        "headers": sorted(answer.get("headers", {})),
                    }
                )
            operations.append(
                {
                    "id": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
                    "tag": (operation.get("tags") or ["other"])[0],
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": [
                        {
                            "name": parameter["name"],
                            "in": parameter["in"],
                            "required": parameter.get("required", False),
                            "type": type_of(parameter.get("schema", {})),
                            "constraints": constraints_of(parameter.get("schema", {})),
                            "description": parameter.get("description", ""),
                        }
                        for parameter in [*shared, *operation.get("parameters", [])]
                    ],
                    "body": type_of(body["schema"]) if body else None,
                    "body_fields": _fields(body["schema"], schemas) if body else [],
                    "responses": answers,
                }
            )
    return operations


def api_document() -> dict:
    """Return the OpenAPI document the API serves."""
    return current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].document()


@blueprint.get("/api/v1/docs")
def reference():
    """Show the API's reference: every operation, its parameters, body and answers."""
    document = api_document()
    operations = _operations(document)
    tags = [
        tag for tag in document.get("tags", []) if any(o["tag"] == tag["name"] for o in operations)
    ]
    schemas = {
        name: _fields(schema, {})
        for name, schema in sorted(document["components"]["schemas"].items())
    }
    return render_template(
        "api/docs.html", document=document, operations=operations, tags=tags, schemas=schemas
    )
