"""A database that stops answering: the portal says so with 503, and serves again after."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests import factories
from tests.conftest import postgres_admin_engine

pytestmark = pytest.mark.parametrize("database_template", ["postgresql"], indirect=True)


def _connections(database_url: str, allowed: bool) -> None:
    """Let the test's database take connections or not, dropping those it has."""
    name = make_url(database_url).database
    admin = postgres_admin_engine()
    try:
        with admin.connect() as connection:
            connection.execute(
                text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS {str(allowed).lower()}')
            )
            if not allowed:
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": name},
                )
    finally:
        admin.dispose()


def test_a_database_that_stops_answering_is_a_503_and_service_resumes(db, login, database_url):
    person = factories.user(factories.partner_tenant())
    db.session.commit()
    client = login(person)
    assert client.get("/").status_code == 200
    db.session.remove()

    _connections(database_url, allowed=False)
    try:
        page = client.get("/")
        script = client.get("/needs", headers={"Accept": "application/json"})
    finally:
        _connections(database_url, allowed=True)

    # Never a 500: a browser and a script are each told to come back, and when.
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "5"
    assert "The database is not answering just now" in page.get_data(as_text=True)
    assert script.status_code == 503 and script.headers["Retry-After"] == "5"
    assert script.get_json()["error"]["code"] == "database_unavailable"
    # Back without restarting anything: the same session, the same process.
    assert client.get("/").status_code == 200
