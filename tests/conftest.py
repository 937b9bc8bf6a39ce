"""Fixtures: an app on a freshly migrated database, on SQLite and on PostgreSQL.

The schema is built once per backend by running the migrations into a template; every
test then gets its own copy (a copied file for SQLite, ``CREATE DATABASE ... TEMPLATE``
for PostgreSQL), so no test sees another's data and none relies on leftovers.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from portal import create_app
from portal.extensions import db as database

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


def build_app(database_url: str, **settings):
    """Create an app for tests on ``database_url``."""
    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, **settings})


class SqliteTemplate:
    """A migrated SQLite file copied for each test."""

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
    """A migrated PostgreSQL database used as the template of each test's database."""

    def __init__(self):
        self.prefix = f"iisg_test_{uuid.uuid4().hex[:10]}"
        self.name = f"{self.prefix}_template"
        self.admin = postgres_admin_engine()

    def _url(self, name: str) -> str:
        url = make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql+psycopg", database=name)
        return url.render_as_string(hide_password=False)

    def build(self) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{self.name}"'))
        app = build_app(self._url(self.name))
        with app.app_context():
            upgrade()
            database.engine.dispose()

    def clone(self) -> str:
        name = f"{self.prefix}_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"'))
        return self._url(name)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


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
def app(database_url):
    """Create the portal on the test's own database."""
    app = build_app(database_url)
    yield app
    with app.app_context():
        database.engine.dispose()


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
