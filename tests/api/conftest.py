"""What the API's tests share: a client that calls the API with a user's token."""

from __future__ import annotations

import re

import pytest
import schemathesis
from sqlalchemy import select

from portal.identity import act_as_principal
from portal.models import Cycle
from portal.services import api_tokens
from tests import factories

# The body of a new need, as a script sends it.
NEW_NEED = {
    "pillar": "WBCTi",
    "category": "legislative",
    "perspective": "prevention",
    "title": "Align the criminal code with Directive (EU) 2017/541",
    "description": "Travelling for the purpose of terrorism is not yet an offence.",
    "priority": "high",
}

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
        token, secret = api_tokens.create(user, {"name": name, "days": 30, "scope": scope})
        return ApiClient(app.test_client(), secret, token)

    return client_for


@pytest.fixture
def editor(db):
    """Return an editor of a partner, with a cycle open for its needs."""
    db.session.add(factories.cycle())
    person = factories.user(
        factories.partner_tenant(), email="editor@ministry.example", roles=("editor",)
    )
    db.session.commit()
    return person


@pytest.fixture
def draft(db, editor):
    """Return a draft need of the editor's partner."""
    need = factories.need(db.session.scalar(select(Cycle)), editor.tenant)
    db.session.add(need)
    db.session.commit()
    return need
