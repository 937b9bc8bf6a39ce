"""Administrators open needs mapping cycles; one may be open at a time."""

import pytest
from sqlalchemy import func, select

from portal.models import Cycle
from tests import factories
from tests.conftest import csrf_token

GOOD = {
    "name": "2028-2029",
    "starts_on": "2028-10-01",
    "ends_on": "2029-03-31",
    "submission_deadline": "2029-01-31",
}


def open_cycle(client, **form):
    return client.post(
        "/admin/cycles", data={**form, "csrf_token": csrf_token(client, "/admin/cycles")}
    )


def cycles(db):
    return db.session.scalar(select(func.count()).select_from(Cycle))


def test_an_admin_opens_a_cycle(login, admin, db):
    client = login(admin)

    response = open_cycle(client, **GOOD)

    assert response.headers["Location"] == "/admin/cycles"
    cycle = db.session.scalar(select(Cycle))
    assert (cycle.name, cycle.status, str(cycle.submission_deadline)) == (
        "2028-2029",
        "open",
        "2029-01-31",
    )
    assert "2028-2029" in client.get("/admin/cycles").get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"name": "next one"}, "name", "by its years"),
        ({"ends_on": "2028-09-30"}, "ends_on", "cannot end before it starts"),
        ({"submission_deadline": "2029-06-01"}, "submission_deadline", "within the cycle"),
        ({"starts_on": "2028-02-31"}, "starts_on", "Enter a date"),
        ({"ends_on": ""}, "ends_on", "Enter a date"),
    ],
)
def test_a_bad_cycle_is_refused_naming_the_field(login, admin, db, change, field, reason):
    client = login(admin)

    response = open_cycle(client, **{**GOOD, **change})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in page and reason in page
    assert cycles(db) == 0


def test_only_one_cycle_is_open_at_a_time(login, admin, db):
    client = login(admin)
    open_cycle(client, **GOOD)

    response = open_cycle(client, **{**GOOD, "name": "2030-2031"})

    assert response.status_code == 422
    assert "Cycle 2028-2029 is still open" in response.get_data(as_text=True)
    assert cycles(db) == 1


def test_cycles_are_closed_to_everyone_else(login, db):
    editor = factories.user(factories.partner_tenant(), email="e@al.example", roles=("editor",))
    db.session.commit()
    client = login(editor)

    assert client.get("/admin/cycles").status_code == 403
    refused = client.post("/admin/cycles", data={**GOOD, "csrf_token": csrf_token(client, "/")})
    assert refused.status_code == 403
    assert cycles(db) == 0
