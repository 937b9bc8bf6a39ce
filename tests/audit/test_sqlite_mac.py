"""On SQLite, entries written through the portal carry a MAC only the portal can make.

Anyone holding the database file can define the functions the capture triggers call and
write audited tables under any actor they like, or change an entry before it is sealed;
verification names every entry without a valid MAC.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import make_url

from audit import context as audit_context
from audit import mac, tables
from audit.canonical import ENTRY_FIELDS
from portal import audit_trail
from portal.models import Need
from portal.services import security_events
from tests import factories

pytestmark = pytest.mark.parametrize("database_template", ["sqlite"], indirect=True)
entries = tables.entries
BEFORE_MACS = "71084d95a85e"


@pytest.fixture
def albania(db):
    cycle = factories.cycle()
    tenant = factories.partner_tenant()
    need = factories.need(cycle, tenant, title="Border surveillance", priority="high")
    db.session.add(need)
    db.session.commit()
    tenant_id = tenant.id
    db.session.remove()
    return tenant_id


def sqlite_file(database_url) -> sqlite3.Connection:
    """Open the file as another process would."""
    return sqlite3.connect(make_url(database_url).database)


def forger(database_url) -> sqlite3.Connection:
    """Open the file with audit functions of its own making."""
    connection = sqlite_file(database_url)
    made_up = {
        "actor_id": 1,
        "actor_kind": "user",
        "actor_label": "someone.else@example.org",
        "actor_tenant_id": None,
        "request_id": "0123456789abcdef",
        "client_address": "192.0.2.1",
        "reason": None,
    }
    connection.create_function("audit_context", 1, made_up.get)
    connection.create_function("audit_transaction_id", 0, lambda: 2**62)
    connection.create_function(
        "audit_now", 0, lambda: datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    )
    connection.create_function("audit_refused", 0, lambda: 0)
    # A MAC of its own, under the key id of the portal's, for good measure.
    connection.create_function("audit_mac", -1, lambda *values: f"{key_id()}:{'ab' * 32}")
    return connection


def key_id() -> str:
    from flask import current_app

    return mac.MacKey.from_secret(current_app.config["SECRET_KEY"]).key_id


def unauthenticated(report) -> list:
    return [item for item in report.breaks if item.kind == "unauthenticated_entry"]


def last_entry_id(db) -> int:
    return db.session.scalar(select(func.coalesce(func.max(entries.c.id), 0)))


def test_a_connection_with_made_up_audit_functions_is_named(db, albania, database_url):
    assert audit_trail.verify().breaks == []
    mark = last_entry_id(db)
    connection = forger(database_url)
    connection.execute("UPDATE needs SET priority = 'low'")
    connection.commit()
    connection.close()
    assert db.session.scalar(select(Need.priority)) == "low"

    report = audit_trail.verify()

    (found,) = unauthenticated(report)
    assert found.chain == albania
    assert f"entry {mark + 1} was not written by the portal" in found.detail
    assert "does not verify" in found.detail
    assert not report.passes(allow_unsigned=True)


def test_a_connection_with_the_functions_but_not_the_key_is_named(db, albania, database_url):
    connection = sqlite_file(database_url)
    audit_context.register_sqlite_functions(connection)
    connection.execute("UPDATE needs SET priority = 'low'")
    connection.commit()
    connection.close()

    (found,) = unauthenticated(audit_trail.verify())

    assert "carries no MAC" in found.detail


def test_entries_written_through_the_portal_verify(db, albania, acting_as):
    mark = last_entry_id(db)
    acting_as(None)
    need = db.session.scalar(select(Need))
    need.priority = "medium"
    security_events.record("access_denied", path="/needs")
    db.session.commit()
    db.session.remove()

    written = db.session.execute(
        select(entries.c.operation, entries.c.mac).where(entries.c.id > mark)
    ).all()
    report = audit_trail.verify()

    assert sorted(operation for operation, _mac in written) == ["E", "U"]
    assert all(made.startswith(f"{key_id()}:") for _operation, made in written)
    assert report.breaks == []


def test_a_seal_and_checkpoint_keep_an_authenticated_chain_intact(db, albania):
    audit_trail.make_checkpoints()

    report = audit_trail.verify()

    assert report.intact, report.breaks


def test_a_genuine_entry_copied_under_another_id_is_named(db, albania, database_url):
    connection = sqlite_file(database_url)
    columns = ", ".join(field for field in ENTRY_FIELDS if field != "id")
    connection.execute(
        f"INSERT INTO audit_entries ({columns}, mac) SELECT {columns}, mac FROM audit_entries"
        " WHERE table_name = 'needs'"
    )
    connection.commit()
    connection.close()

    (found,) = unauthenticated(audit_trail.verify())

    assert "does not verify" in found.detail


def test_an_entry_whose_transaction_is_not_a_number_is_named(db, albania, database_url):
    connection = sqlite_file(database_url)
    for transaction in ("soon", 3):
        connection.execute(
            "INSERT INTO audit_entries (tenant_id, transaction_id, recorded_at, operation,"
            " actor_kind) VALUES (?, ?, '2026-12-01T00:00:00.000000Z', 'E', 'system')",
            (albania, transaction),
        )
    connection.commit()
    connection.close()

    (found,) = unauthenticated(audit_trail.verify())

    assert "carries no MAC; 1 more in this chain" in found.detail


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ("actor_label = 'someone.else@example.org'", "does not verify"),
        ("mac = NULL", "carries no MAC"),
    ],
)
def test_an_entry_changed_before_its_seal_is_named(db, albania, database_url, change, detail):
    # Not sealed yet, so no hash vouches for it: only its MAC shows the change.
    connection = sqlite_file(database_url)
    connection.execute("DROP TRIGGER audit_entries_append_only_update")
    connection.execute(f"UPDATE audit_entries SET {change} WHERE table_name = 'needs'")
    connection.commit()
    connection.close()

    (found,) = unauthenticated(audit_trail.verify())

    assert detail in found.detail


# --- Where MACs start ---------------------------------------------------------------------


@pytest.fixture
def upgraded_with_history(db):
    """A database that had entries before MACs existed, then migrated to the newest schema.

    Returns the highest entry id written before the migration.
    """
    db.session.close()
    downgrade(revision=BEFORE_MACS)
    db.engine.dispose()
    assert "mac" not in {column["name"] for column in inspect(db.engine).get_columns(entries.name)}
    tenant = factories.partner_tenant()
    db.session.add(factories.need(factories.cycle(), tenant, title="Written before MACs"))
    db.session.commit()
    through = last_entry_id(db)
    db.session.close()
    upgrade()
    db.engine.dispose()
    return through


def test_entries_from_before_the_migration_are_not_named(db, upgraded_with_history):
    through = upgraded_with_history
    old = db.session.execute(
        select(entries.c.id, entries.c.mac).where(entries.c.id <= through)
    ).all()
    # The newest start: the one this upgrade wrote (the database's first migration to
    # MACs wrote one too, sparing the baseline of the reference lists).
    (started,) = db.session.execute(
        select(entries.c.id, entries.c.new_row, entries.c.mac).where(
            entries.c.event == mac.STARTED_EVENT, entries.c.id > through
        )
    ).all()

    report = audit_trail.verify()

    assert old and all(made is None for _id, made in old)
    assert started.id == through + 1
    assert started.new_row == {mac.STARTED_THROUGH: through}
    assert started.mac.startswith(f"{key_id()}:")
    assert report.breaks == []


def test_an_entry_without_a_mac_after_the_migration_is_named(
    db, upgraded_with_history, database_url
):
    connection = sqlite_file(database_url)
    audit_context.register_sqlite_functions(connection)
    connection.execute("UPDATE needs SET priority = 'low'")
    connection.commit()
    connection.close()

    (found,) = unauthenticated(audit_trail.verify())

    assert "carries no MAC" in found.detail


def test_a_start_of_ones_own_making_spares_nothing(db, upgraded_with_history, database_url):
    connection = forger(database_url)
    connection.execute("UPDATE needs SET priority = 'low'")
    # An event claiming that MACs start after everything written so far.
    connection.execute(
        "INSERT INTO audit_entries (transaction_id, recorded_at, operation, new_row, event,"
        " actor_kind, mac) VALUES (2, '2026-12-01T00:00:00.000000Z', 'E',"
        " json_object(:name, (SELECT max(id) FROM audit_entries)), :event, 'system', :mac)",
        {
            "name": mac.STARTED_THROUGH,
            "event": mac.STARTED_EVENT,
            "mac": f"{key_id()}:{'cd' * 32}",
        },
    )
    connection.commit()
    connection.close()

    breaks = unauthenticated(audit_trail.verify())

    assert {item.chain for item in breaks} == {0, db.session.scalar(select(Need.tenant_id))}


def test_a_start_moved_by_hand_spares_nothing(db, upgraded_with_history, database_url):
    connection = sqlite_file(database_url)
    connection.execute("DROP TRIGGER audit_entries_append_only_update")
    connection.execute(
        "UPDATE audit_entries SET new_row = json_object(:name, id - 1) WHERE event = :event",
        {"name": mac.STARTED_THROUGH, "event": mac.STARTED_EVENT},
    )
    connection.commit()
    connection.close()

    report = audit_trail.verify()

    # The moved event no longer verifies, so even the entries from before it are named.
    assert {item.chain for item in unauthenticated(report)} == {
        0,
        db.session.scalar(select(Need.tenant_id)),
    }


def test_migrations_through_an_engine_of_their_own_authenticate_their_entries(
    db, make_app, database_url
):
    # The same file named otherwise: the migrations get an engine apart from the app's.
    path = Path(make_url(database_url).database)
    migrating = make_app(
        MIGRATION_DATABASE_URI=f"sqlite:///{path.parent}/../{path.parent.name}/{path.name}"
    )
    db.session.remove()
    with migrating.app_context():
        downgrade(revision=BEFORE_MACS)
        database = migrating.extensions["sqlalchemy"]
        database.session.add(factories.member_tenant(code="BEFORE"))
        database.session.commit()
        database.session.remove()
        upgrade()

    started = db.session.scalar(
        select(entries.c.mac)
        .where(entries.c.event == mac.STARTED_EVENT)
        .order_by(entries.c.id.desc())
        .limit(1)
    )

    assert started is not None and started.startswith(f"{key_id()}:")
    assert audit_trail.verify().breaks == []


def test_a_database_created_after_the_migration_spares_only_its_baseline(db):
    # Its migrations wrote no entry before MACs came but the baseline of the reference
    # lists (71084d95a85e): the start spares those and nothing else.
    (started,) = db.session.scalars(
        select(entries.c.new_row).where(entries.c.event == mac.STARTED_EVENT)
    ).all()
    spared = db.session.scalars(
        select(entries.c.reason).where(entries.c.id <= started[mac.STARTED_THROUGH])
    ).all()
    assert spared and all(reason.startswith("baseline:") for reason in spared)


# --- Keys ---------------------------------------------------------------------------------


def test_the_mac_is_the_documented_hmac(db, albania):
    from flask import current_app

    row = db.session.execute(
        text(f"SELECT {', '.join(ENTRY_FIELDS)}, mac FROM audit_entries ORDER BY id DESC LIMIT 1")
    ).one()
    key = hmac.new(
        current_app.config["SECRET_KEY"].encode(), b"iisg audit entry mac v1", hashlib.sha256
    ).digest()
    message = json.dumps(
        [None if value is None else str(value) for value in row[: len(ENTRY_FIELDS)]],
        separators=(",", ":"),
    ).encode()

    made = hmac.new(key, message, hashlib.sha256).hexdigest()

    assert row.mac == f"{hmac.new(key, b'key id', hashlib.sha256).hexdigest()[:8]}:{made}"


def test_entries_made_before_the_secret_key_was_rotated_need_the_previous_key(
    db, albania, make_app
):
    from flask import current_app

    previous = current_app.config["SECRET_KEY"]
    rotated = make_app(SECRET_KEY="n" * 48)
    remembering = make_app(SECRET_KEY="n" * 48, AUDIT_PREVIOUS_SECRET_KEYS=(previous,))
    db.session.remove()

    with rotated.app_context():
        forgotten = unauthenticated(audit_trail.verify())
    with remembering.app_context():
        remembered = audit_trail.verify()

    # Without the previous key the start event's MAC fails too, so the baseline before
    # it is named as well (as carrying no MAC): the entries MACed with it say why.
    assert any("made from none of the secret keys" in b.detail for b in forgotten)
    assert remembered.breaks == []
