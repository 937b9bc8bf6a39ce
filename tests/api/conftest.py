"""What the API's tests share: a client that calls the API with a user's token."""

from __future__ import annotations

import re

import pytest
import schemathesis

from portal.identity import act_as_principal
from portal.services import api_tokens

# A URL rule's argument, <int:need_id>, as the OpenAPI document writes it: {need_id}.
RULE_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


class ApiClient:
    """Calls /api/v1 with one user's bearer token, as a script would."""

    def __init__(self, client, secret: str, token):
        self.client = client
        self.secret = secret
        self.token = token
        self.document = None

    def open(self, method: str, path: str, *, headers=None, **options):
        sent = {"Authorization": f"Bearer {self.secret}", **(headers or {})}
        url = path if path.startswith("/") else f"/api/v1/{path}"
        return self.client.open(url, method=method, headers=sent, **options)

    def get(self, path, **options):
        return self.open("GET", path, **options)

    def post(self, path, **options):
        return self.open("POST", path, **options)

    def patch(self, path, **options):
        return self.open("PATCH", path, **options)

    def delete(self, path, **options):
        return self.open("DELETE", path, **options)

    def check_documented(self, response) -> None:
        """Raise unless ``response`` is an answer its operation's OpenAPI description allows."""
        if self.document is None:
            self.document = schemathesis.openapi.from_dict(self.get("openapi.json").get_json())
        request = response.request
        rule, _ = self.client.application.url_map.bind("localhost").match(
            request.path, method=request.method, return_rule=True
        )
        operation = self.document[RULE_ARGUMENT.sub(r"{\1}", rule.rule)][request.method]
        operation.validate_response(response)


@pytest.fixture
def api(app, db):
    """Return a function giving an API client for a user (and the token's scope)."""

    def client_for(user, scope: str = "write", name: str = "tests") -> ApiClient:
        act_as_principal(None)
        data = {"name": name, "days": 30}
        if scope != "write":
            data["scope"] = scope
        token, secret = api_tokens.create(user, data)
        return ApiClient(app.test_client(), secret, token)

    return client_for
