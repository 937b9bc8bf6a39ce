"""A database that stops answering or has no room: the portal says so, and saves nothing half."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from portal.extensions import db as database
from portal.identity import act_as_principal
from portal.services import api_tokens
from tests import factories
from tests.conftest import csrf_token, postgres_admin_engine

postgresql_only = pytest.mark.parametrize("database_template", ["postgresql"], indirect=True)


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


@pytest.mark.parametrize("database_template", ["postgresql"], indirect=True)
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


@pytest.mark.parametrize("database_template", ["sqlite"], indirect=True)
def test_a_full_disk_on_sqlite_is_said_plainly_and_nothing_is_half_written(app, db, login):
    from sqlalchemy import event, func, select

    from audit import tables as trail
    from portal.models import User

    person = factories.user(factories.partner_tenant())
    db.session.commit()
    client = login(person)
    entries = db.session.scalar(select(func.count()).select_from(trail.entries))

    def no_room(dbapi_connection, _record):
        # The file may not grow: as when the disk under it is full.
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    event.listen(db.engine, "connect", no_room)
    db.engine.dispose()
    try:
        # Each switch writes the user's row and an entry of the trail: soon no room.
        answers = [
            client.post(
                "/account/digests",
                data={
                    "digests": "off" if number % 2 == 0 else "on",
                    "csrf_token": csrf_token(client, "/account"),
                },
            )
            for number in range(200)
        ]
    finally:
        event.remove(db.engine, "connect", no_room)
        db.engine.dispose()

    full = [answer for answer in answers if answer.status_code == 507]
    assert full, [answer.status_code for answer in answers]
    assert all(answer.status_code in (302, 507) for answer in answers)
    assert "nothing of it was saved" in full[0].get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, person.id) is not None
    # The user's row holds what the last saved switch asked for, and each change saved
    # has its entry in the trail: nothing saved without its entry, nothing half-written.
    wanted = [number % 2 == 1 for number, answer in enumerate(answers) if answer.status_code == 302]
    states = [True, *wanted]  # digests are on to begin with
    changes = sum(1 for before, now in zip(states, wanted, strict=False) if before != now)
    assert db.session.get(User, person.id).digests == states[-1]
    after = db.session.scalar(select(func.count()).select_from(trail.entries))
    assert after - entries == changes


def _api_caller(app) -> dict[str, str]:
    """Return the headers of a member's read token, made as the system."""
    with app.app_context():
        act_as_principal(None)
        person = factories.user(factories.member_tenant())
        database.session.commit()
        _token, secret = api_tokens.create(person, {"name": "script", "days": 30, "scope": "read"})
    return {"Authorization": f"Bearer {secret}"}


@postgresql_only
def test_an_api_call_the_database_cannot_answer_says_its_own_wait(make_app, database_url):
    app = make_app()
    caller = _api_caller(app)
    client = app.test_client()
    answered = client.get("/api/v1/me", headers=caller)

    _connections(database_url, allowed=False)
    try:
        refused = client.get("/api/v1/needs", headers=caller)
    finally:
        _connections(database_url, allowed=True)

    # The rate limiter's headers stay, but its Retry-After (the limit's window, up to a
    # minute) neither tells a script to wait after a 200 nor overrides the database's.
    assert answered.status_code == 200 and "Retry-After" not in answered.headers
    assert "X-RateLimit-Remaining" in answered.headers
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"


@postgresql_only
def test_a_session_the_database_ends_after_the_answer_is_made_is_let_go(make_app):
    """PostgreSQL restarting between the answer and the end of its transaction: no 500."""
    app = make_app()
    caller = _api_caller(app)
    armed = {"cut": False}

    @app.after_request
    def end_the_session_now(response):
        if armed["cut"]:
            pid = database.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
            admin = postgres_admin_engine()
            with admin.connect() as connection:
                connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            admin.dispose()
        return response

    client = app.test_client()
    armed["cut"] = True
    answered = client.get("/api/v1/me", headers=caller)
    armed["cut"] = False

    assert answered.status_code == 200
    assert client.get("/api/v1/me", headers=caller).status_code == 200
