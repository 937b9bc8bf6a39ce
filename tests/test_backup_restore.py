"""The restore drill: a dump of the database, restored into a new one, verifies intact."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from portal.extensions import db as portal_db
from tests import factories
from tests.conftest import POSTGRES_ADMIN_URL, build_app, csrf_token, postgres_admin_engine


def _plain(url) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.mark.parametrize("database_template", ["postgresql"], indirect=True)
def test_a_dump_restored_into_a_new_database_verifies_intact(db, login, database_url, tmp_path):
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.fail("pg_dump and pg_restore are needed for the restore drill")
    person = factories.user(factories.partner_tenant())
    db.session.commit()
    client = login(person)
    for value in ("off", "on", "off"):  # changes recorded in the organisation's chain
        token = csrf_token(client, "/account")
        answer = client.post("/account/digests", data={"digests": value, "csrf_token": token})
        assert answer.status_code == 302
    db.session.remove()

    source = make_url(database_url)
    admin = make_url(POSTGRES_ADMIN_URL)
    restored = f"{source.database}_restored"
    dump = tmp_path / "iisg.dump"
    engine = postgres_admin_engine()
    try:
        # As the operator's guide says: a superuser dumps (row-level security is forced
        # on the tables' owner too), into a database owned by the same owner.
        subprocess.run(
            [
                "pg_dump",
                "--format=custom",
                "--file",
                str(dump),
                _plain(admin.set(database=source.database)),
            ],
            check=True,
            capture_output=True,
        )
        with engine.connect() as connection:
            owner = connection.execute(
                text("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = :name"),
                {"name": source.database},
            ).scalar_one()
            connection.execute(text(f'CREATE DATABASE "{restored}" OWNER "{owner}"'))
        subprocess.run(
            [
                "pg_restore",
                "--exit-on-error",
                "--dbname",
                _plain(admin.set(database=restored)),
                str(dump),
            ],
            check=True,
            capture_output=True,
        )
        app = build_app(
            _plain(source.set(database=restored)).replace(
                "postgresql://", "postgresql+psycopg://", 1
            )
        )
        # In the restored app's own context: the test's app context is open, and a
        # command runs in whichever app's context is current.
        with app.app_context():
            verified = app.test_cli_runner().invoke(args=["audit", "verify", "--reconcile"])
            portal_db.session.remove()
            portal_db.engine.dispose()
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)'))
        engine.dispose()

    assert verified.exit_code == 0, verified.output
    assert "intact" in verified.output
