"""Every page but the sign-in pages, health checks and assets needs a complete sign-in."""

import pytest

from portal import create_app
from portal.auth import PUBLIC_ENDPOINTS
from portal.errors import API_PAGES

# Built without a database: only the URL map is read.
URL_MAP = create_app({"CHECK_DATABASE_ON_START": False}).url_map
PROTECTED_RULES = sorted(
    (
        rule
        for rule in URL_MAP.iter_rules()
        if rule.endpoint not in PUBLIC_ENDPOINTS and not rule.endpoint.startswith("auth.")
    ),
    key=lambda rule: rule.rule,
)


def concrete_path(rule) -> str:
    return rule.build({argument: 1 for argument in rule.arguments}, append_unknown=False)[1]


def test_the_protected_list_is_not_empty():
    assert {"/", "/account", "/account/sessions"} <= {rule.rule for rule in PROTECTED_RULES}


@pytest.mark.parametrize("rule", PROTECTED_RULES, ids=lambda rule: rule.rule)
def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client, rule):
    # The API routes each method of a path on its own (PATCH, DELETE): ask with the rule's.
    method = "GET" if "GET" in rule.methods else min(rule.methods - {"HEAD", "OPTIONS"})
    path = concrete_path(rule)

    page = client.open(path, method=method, headers={"Accept": "text/html"})
    api = client.open(path, method=method, headers={"Accept": "application/json"})

    if path.startswith("/api/") and path not in API_PAGES:
        # The API answers JSON whatever the client asks for, and never redirects.
        assert page.status_code == api.status_code == 401
    elif method == "GET":
        assert page.status_code == 302
        assert page.headers["Location"].startswith("/auth/login")
        assert api.status_code == 401
    else:
        # A POST without a CSRF token is refused before anything else happens.
        assert page.status_code in (302, 400, 401)
        assert api.status_code in (400, 401)


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/auth/login", "/static/portal.css"])
def test_public_pages_answer_without_signing_in(client, path):
    response = client.get(path)
    response.close()

    assert response.status_code == 200
