"""Fixtures: an app on a freshly migrated database, on SQLite and on PostgreSQL.

The schema is built once per backend by running the migrations into a template; every
test then gets its own copy (a copied file for SQLite, ``CREATE DATABASE ... TEMPLATE``
for PostgreSQL), so no test sees another's data and none relies on leftovers.
"""

from __future__ import annotations

import contextvars
import os
import re
import secrets
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from portal import create_app
from portal.extensions import db as database
from portal.models import User
from portal.security import totp
from tests import factories

POSTGRES_ADMIN_URL = os.environ.get(
    "IISG_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ("sqlite", "postgresql")


def postgres_admin_engine():
    """Return an autocommit engine on the administrative PostgreSQL database."""
    url = make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql+psycopg")
    return create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})


def postgres_unavailable_reason() -> str | None:
    """Return why the test PostgreSQL server cannot be used, or None if it answers."""
    engine = postgres_admin_engine()
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        return str(error.orig).strip().splitlines()[0]
    finally:
        engine.dispose()
    return None


def require_postgres() -> None:
    """Skip the calling test without a PostgreSQL server, or fail when one is required."""
    reason = postgres_unavailable_reason()
    if reason is None:
        return
    message = f"PostgreSQL at {make_url(POSTGRES_ADMIN_URL)!r} does not answer: {reason}"
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{message} (REQUIRE_POSTGRES=1)", pytrace=False)
    pytest.skip(message)


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context, as in production.

    Flask reuses an app context that a test has pushed (the ``db`` fixture does), which
    would share ``g`` - and flask-login's cached user - between requests. Running each
    request in an empty ``contextvars.Context`` makes Flask push a fresh one.
    """

    def open(self, *args, **kwargs):
        # A streamed answer (an export) is read inside the request's own context, as a
        # server reads it, not later in the test's.
        kwargs.setdefault("buffered", True)
        return contextvars.Context().run(super().open, *args, **kwargs)


# One secret key for the run: the app that migrates a template and the apps of the tests
# on its copies are one installation, whose SQLite audit entries (and the event naming
# where their MACs start) are authenticated with a key derived from it.
SECRET_KEY = secrets.token_urlsafe(48)


def build_app(database_url: str, **settings):
    """Create an app for tests on ``database_url``."""
    settings.setdefault("SECRET_KEY", SECRET_KEY)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, **settings})
    app.test_client_class = IsolatedClient
    return app


class SqliteTemplate:
    """A migrated SQLite file copied for each test."""

    def owner_url(self, app_url: str) -> str:
        return app_url

    def __init__(self, folder: Path):
        self.folder = folder
        self.path = folder / "template.sqlite3"

    def build(self) -> None:
        app = build_app(f"sqlite:///{self.path}")
        with app.app_context():
            upgrade()
            database.engine.dispose()

    def clone(self) -> str:
        copy = self.folder / f"test-{uuid.uuid4().hex}.sqlite3"
        shutil.copyfile(self.path, copy)
        return f"sqlite:///{copy}"

    def drop(self, url: str) -> None:
        Path(make_url(url).database).unlink(missing_ok=True)

    def close(self) -> None:
        self.path.unlink(missing_ok=True)


class PostgresTemplate:
    """A migrated PostgreSQL database used as the template of each test's database.

    As in production, the schema belongs to an owner role that runs the migrations, and
    the app connects as a role that owns nothing, so row-level security binds it. Both
    roles are made for this run and dropped after it.
    """

    def __init__(self):
        suffix = uuid.uuid4().hex[:10]
        self.prefix = f"iisg_test_{suffix}"
        self.name = f"{self.prefix}_template"
        self.owner = f"iisg_owner_{suffix}"
        self.app_role = f"iisg_app_{suffix}"
        self.admin = postgres_admin_engine()

    def url(self, name: str, role: str | None = None) -> str:
        url = make_url(POSTGRES_ADMIN_URL).set(
            drivername="postgresql+psycopg", database=name, username=role or self.app_role
        )
        return url.render_as_string(hide_password=False)

    def owner_url(self, app_url: str) -> str:
        return self.url(make_url(app_url).database, self.owner)

    def build(self) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE ROLE "{self.owner}" LOGIN'))
            connection.execute(text(f'CREATE ROLE "{self.app_role}" LOGIN'))
            connection.execute(text(f'CREATE DATABASE "{self.name}" OWNER "{self.owner}"'))
        app = build_app(self.url(self.name), MIGRATION_DATABASE_URI=self.url(self.name, self.owner))
        with app.app_context():
            upgrade()
            database.engine.dispose()

    def clone(self) -> str:
        name = f"{self.prefix}_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as connection:
            connection.execute(
                text(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}" OWNER "{self.owner}"')
            )
        return self.url(name)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            for role in (self.app_role, self.owner):
                connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        self.admin.dispose()


# Tenancy tests run with both walls, and on PostgreSQL once more with the application
# layer off (the test's ``application_layer`` argument), where RLS alone must hold.
IN_BOTH_LAYERS = pytest.mark.parametrize(
    ("database_template", "application_layer"),
    [
        pytest.param("sqlite", True, id="sqlite"),
        pytest.param("postgresql", True, id="postgresql"),
        pytest.param("postgresql", False, id="postgresql-rls-only"),
    ],
    indirect=["database_template"],
)


@pytest.fixture(scope="session", params=BACKENDS)
def database_template(request, tmp_path_factory):
    """Build the migrated template for one backend; every database test runs on both."""
    if request.param == "postgresql":
        require_postgres()
        template = PostgresTemplate()
    else:
        template = SqliteTemplate(tmp_path_factory.mktemp("sqlite"))
    try:
        template.build()
        yield template
    finally:
        template.close()


@pytest.fixture
def backend(database_template) -> str:
    """Name the database backend the current test runs on."""
    return "postgresql" if isinstance(database_template, PostgresTemplate) else "sqlite"


@pytest.fixture
def database_url(database_template) -> Iterator[str]:
    """Give the test a database of its own, migrated and empty but for reference data."""
    url = database_template.clone()
    yield url
    database_template.drop(url)


@pytest.fixture
def database_owner_url(database_template, database_url) -> str:
    """Return the URL of the role owning the test's database (migrations, tampering)."""
    return database_template.owner_url(database_url)


@pytest.fixture
def make_app(database_url, database_owner_url):
    """Return a function creating apps with extra settings on the test's database."""
    apps = []

    def make(**settings):
        settings.setdefault("MIGRATION_DATABASE_URI", database_owner_url)
        apps.append(build_app(database_url, **settings))
        return apps[-1]

    yield make
    for made in apps:
        with made.app_context():
            database.engine.dispose()


@pytest.fixture
def as_app_role(database_url):
    """An engine connecting as the application role, outside the portal (a psql session)."""
    engine = create_engine(database_url, poolclass=NullPool)
    yield engine
    engine.dispose()


@pytest.fixture
def as_owner(database_owner_url):
    """An engine connecting as the role owning the schema, outside the portal."""
    engine = create_engine(database_owner_url, poolclass=NullPool)
    yield engine
    engine.dispose()


@pytest.fixture
def app(make_app):
    """Create the portal on the test's own database."""
    return make_app()


@pytest.fixture
def db(app):
    """Give the test the database extension inside an application context."""
    with app.app_context():
        yield database
        database.session.remove()


@pytest.fixture
def client(app):
    """Return a test client for the portal."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """Return a runner for the portal's CLI commands."""
    return app.test_cli_runner()


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    """Open ``url`` and return the CSRF token of its form."""
    page = client.get(url).get_data(as_text=True)
    match = CSRF_FIELD.search(page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def fresh_code(user_id: int, email: str) -> str:
    """Return a valid authenticator code for a time step the user has not used yet."""
    secret = factories.totp_secret_for(email)
    while True:
        last = database.session.scalar(select(User.totp_last_step).where(User.id == user_id))
        current = int(time.time() // totp.STEP_SECONDS)
        # Never the previous step: it may fall out of the window before the code is sent.
        for step in range(current, current + totp.VALID_WINDOW + 1):
            if last is None or step > last:
                return pyotp.TOTP(secret).at(step * totp.STEP_SECONDS)
        time.sleep(1)


class AuthActions:
    """Sign a test user in through the real pages, both factors."""

    def __init__(self, app):
        self.app = app

    def password_step(self, client, email, password=factories.PASSWORD):
        token = csrf_token(client, "/auth/login")
        return client.post(
            "/auth/login", data={"email": email, "password": password, "csrf_token": token}
        )

    def code_step(self, client, code):
        token = csrf_token(client, "/auth/2fa")
        return client.post("/auth/2fa", data={"code": code, "csrf_token": token})

    def __call__(self, user, client=None):
        client = client or self.app.test_client()
        response = self.password_step(client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        response = self.code_step(client, fresh_code(user.id, user.email))
        assert response.status_code == 302, response.get_data(as_text=True)
        return client


@pytest.fixture
def login(app, db):
    """Return a function that signs a user in (both factors) and gives back the client."""
    return AuthActions(app)


@pytest.fixture
def acting_as(db):
    """Return a function making the test act as a user (or None, the system)."""
    from portal.identity import Principal, act_as_principal

    def become(user):
        act_as_principal(Principal.of(user) if user is not None else None)

    yield become
    act_as_principal(None)


# Cases of the leak matrix per run variant, reported at the end of the session.
LEAK_CASES: dict[str, int] = {}


def pytest_sessionfinish(session):
    """In a worker of a parallel run, hand the cases counted here to the controller."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["leak_cases"] = dict(LEAK_CASES)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """In the controller of a parallel run, add up the cases each worker counted."""
    for variant, count in getattr(node, "workeroutput", {}).get("leak_cases", {}).items():
        LEAK_CASES[variant] = LEAK_CASES.get(variant, 0) + count


def pytest_terminal_summary(terminalreporter):
    if LEAK_CASES:
        parts = ", ".join(f"{variant}: {count}" for variant, count in sorted(LEAK_CASES.items()))
        total = sum(LEAK_CASES.values())
        terminalreporter.write_line(f"leak matrix: {total} cases ({parts})")
