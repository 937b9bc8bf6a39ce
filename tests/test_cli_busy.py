"""An ``iisg`` command waits for a busy SQLite database, then gives up with one clear line."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy.engine import make_url

from portal.cli import cli

pytestmark = pytest.mark.parametrize("database_template", ["sqlite"], indirect=True)


@pytest.fixture
def write_lock(database_url):
    """Hold SQLite's write lock on the test's database from another connection."""
    # Released from a timer thread in one test.
    other = sqlite3.connect(
        make_url(database_url).database, isolation_level=None, check_same_thread=False
    )
    other.execute("BEGIN IMMEDIATE")
    yield other
    if other.in_transaction:
        other.rollback()
    other.close()


def seal(app):
    return app.test_cli_runner().invoke(cli, ["audit", "seal"])


def test_a_database_busy_for_too_long_ends_the_command_with_one_line(make_app, write_lock):
    app = make_app(SQLITE_BUSY_TIMEOUT_SECONDS=1)

    result = seal(app)

    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "database is busy" in lines[0]
    assert "Traceback" not in result.output


def test_a_lock_released_in_time_is_waited_for(make_app, write_lock):
    app = make_app(SQLITE_BUSY_TIMEOUT_SECONDS=10)
    release = threading.Timer(0.5, write_lock.rollback)
    release.start()
    try:
        result = seal(app)
    finally:
        release.join()

    assert result.exit_code == 0, result.output
    # After the log stream's lines for the checkpoints the seal signed.
    assert any(line.startswith("Sealed ") for line in result.output.splitlines())


def test_every_sqlite_connection_waits_as_long_as_configured(make_app):
    app = make_app(SQLITE_BUSY_TIMEOUT_SECONDS=7)

    with app.app_context():
        from portal.extensions import db

        with db.engine.connect() as connection:
            waits = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()

    assert waits == 7000
