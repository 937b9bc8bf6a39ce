"""Errors answer in HTML or JSON by what the client accepts, and never keep half a change."""

import pytest
from sqlalchemy import func, select

from portal.authz import can_read_records, require
from portal.exceptions import Conflict, ValidationFailed
from portal.identity import current_principal
from portal.models import Tenant
from tests import factories


@pytest.fixture
def signed_in(db, login):
    """Return a function giving a client signed in as a viewer of a member tenant.

    Routes are added to the app in the test before the first request, so sign-in waits.
    """
    viewer = factories.user(factories.member_tenant())
    db.session.commit()
    return lambda: login(viewer)


def test_unknown_page_answers_404_html(client):
    response = client.get("/no-such-page", headers={"Accept": "text/html"})

    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Page not found" in response.get_data(as_text=True)


def test_unknown_page_answers_404_json_when_json_is_accepted(client):
    response = client.get("/no-such-page", headers={"Accept": "application/json"})

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_api_paths_always_answer_json(client):
    response = client.get("/api/v1/nothing-here", headers={"Accept": "text/html"})

    assert response.status_code == 404
    assert set(response.get_json()["error"]) == {"code", "message", "fields"}


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (ValidationFailed("Check the form.", {"title": "Required."}), 422, "validation_failed"),
        (Conflict("Someone else saved this need first."), 409, "conflict"),
    ],
)
def test_domain_errors_carry_status_message_and_fields(app, signed_in, error, status, code):
    def refuse():
        # Like any view of the portal, it asks a policy before it acts (and refuses).
        require(can_read_records, current_principal())
        raise error

    app.add_url_rule("/refuse", "refuse", refuse)

    response = signed_in().get("/refuse", headers={"Accept": "application/json"})

    assert response.status_code == status
    assert response.get_json()["error"] == {
        "code": code,
        "message": error.message,
        "fields": error.fields,
    }


def test_unexpected_error_answers_500_and_writes_nothing(app, db, signed_in):
    def write_then_fail():
        db.session.add(Tenant(code="HALF", name="Half-written", kind="member"))
        db.session.flush()
        raise RuntimeError("failure in the middle of a change")

    app.add_url_rule("/half", "half", write_then_fail)

    response = signed_in().get("/half", headers={"Accept": "text/html"})

    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)
    assert "failure in the middle" not in response.get_data(as_text=True)
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Tenant)) == 1
