"""Nobody using the app can alter or remove the trail; only its owner can, visibly."""

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from audit import tables as audit_tables
from portal.models import Need
from tests import factories
from tests.conftest import POSTGRES_ADMIN_URL

entries = audit_tables.entries
postgresql_only = pytest.mark.parametrize("database_template", ["postgresql"], indirect=True)


@pytest.fixture
def recorded(db):
    cycle = factories.cycle()
    db.session.add(factories.need(cycle, factories.partner_tenant()))
    db.session.commit()
    # A seal and a checkpoint to protect, written the way the sealer writes them.
    now = "2026-11-23T12:00:00.000000Z"
    db.session.execute(
        audit_tables.chain_links.insert().values(
            chain_id=0, position=1, entry_id=1, hash="0" * 64, sealed_at=now, horizon=2
        )
    )
    db.session.execute(
        audit_tables.checkpoints.insert().values(
            chain_id=0,
            sequence=1,
            size=1,
            head_hash="0" * 64,
            previous_hash="0" * 64,
            signed_at=now,
            key_id="k",
            signature="s",
        )
    )
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(entries))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_entries SET actor_label = 'nobody'",
        "DELETE FROM audit_entries",
        "UPDATE audit_chain_links SET hash = 'x'",
        "DELETE FROM audit_checkpoints",
    ],
)
def test_the_app_cannot_change_or_delete_entries(db, recorded, statement):
    with pytest.raises(DBAPIError, match="append-only|permission denied"):
        db.session.execute(text(statement))
    db.session.rollback()

    assert db.session.scalar(select(func.count()).select_from(entries)) == recorded
    assert db.session.scalar(select(func.count()).where(entries.c.actor_label == "nobody")) == 0


@postgresql_only
@pytest.mark.parametrize(
    ("statement", "refusal"),
    [
        ("TRUNCATE audit_entries", "permission denied"),
        (
            "INSERT INTO audit_entries (transaction_id, recorded_at, operation, actor_kind)"
            " VALUES (1, now(), 'E', 'user')",
            "permission denied",
        ),
        ("ALTER TABLE needs DISABLE TRIGGER audit_capture", "must be owner"),
        ("ALTER TABLE audit_entries DISABLE TRIGGER USER", "must be owner"),
        ("SET session_replication_role = replica", "permission denied"),
        ("DROP TRIGGER audit_capture ON needs", "must be owner"),
    ],
)
def test_the_app_role_cannot_bypass_the_trail(db, recorded, statement, refusal):
    with pytest.raises(DBAPIError, match=refusal):
        db.session.execute(text(statement))
    db.session.rollback()

    assert db.session.scalar(select(func.count()).select_from(entries)) == recorded


@postgresql_only
def test_the_owner_can_change_entries(db, recorded, database_owner_url):
    db.session.close()
    engine = create_engine(database_owner_url, poolclass=NullPool)
    with engine.begin() as connection:
        changed = connection.execute(
            text("UPDATE audit_entries SET actor_label = 'rewritten'")
        ).rowcount
        connection.execute(text("DELETE FROM audit_entries WHERE table_name = 'cycles'"))
    with engine.begin() as connection:
        connection.execute(text("TRUNCATE audit_entries"))
    engine.dispose()

    assert changed == recorded
    assert db.session.scalar(select(func.count()).select_from(entries)) == 0


@pytest.mark.parametrize("database_template", ["sqlite"], indirect=True)
def test_on_sqlite_only_dropping_the_guard_lets_an_entry_change(db, recorded, database_url):
    db.session.close()
    engine = create_engine(database_url, poolclass=NullPool)
    with engine.begin() as connection:
        with pytest.raises(DBAPIError, match="append-only"):
            connection.execute(text("UPDATE audit_entries SET actor_label = 'rewritten'"))
    with engine.begin() as connection:
        connection.execute(text("DROP TRIGGER audit_entries_append_only_update"))
        changed = connection.execute(
            text("UPDATE audit_entries SET actor_label = 'rewritten'")
        ).rowcount
    engine.dispose()

    assert changed == recorded


@postgresql_only
def test_replication_mode_does_not_mute_the_capture(db, recorded, database_url):
    db.session.close()
    # Only a superuser may switch replication mode; even then the triggers fire.
    url = make_url(POSTGRES_ADMIN_URL).set(
        drivername="postgresql+psycopg", database=make_url(database_url).database
    )
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text("UPDATE needs SET priority = 'low'"))
    engine.dispose()

    changes = db.session.scalar(
        select(func.count()).where(entries.c.table_name == "needs", entries.c.operation == "U")
    )
    assert changes == 1
    assert db.session.scalar(select(Need.priority)) == "low"
