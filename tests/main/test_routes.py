"""The dashboard and the health endpoints."""

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests import factories


def test_healthz_answers_ok_without_the_database(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_reports_a_migrated_database_ready(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "database": "ok"}


def test_readyz_refuses_when_the_schema_is_behind(client, database_owner_url):
    # The app's own role may not touch the migration record; its owner may.
    owner = create_engine(database_owner_url, poolclass=NullPool)
    with owner.begin() as connection:
        connection.execute(text("DELETE FROM alembic_version"))
    owner.dispose()

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert "schema is at revision none" in body["database"]


def test_dashboard_needs_a_complete_sign_in(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_dashboard_lists_the_three_pillars(login, db):
    viewer = factories.user(factories.member_tenant())
    db.session.commit()

    response = login(viewer).get("/")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for code in ("WBCTi", "WBCSCi", "WBBSi"):
        assert code in page
    assert "UNSCR 1244/1999" in page
