"""The data version, and the totals and rankings kept while it holds (docs/architecture.md)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.pool import NullPool

from portal import data_version
from portal.identity import act_as_principal
from portal.kept_results import _COUNTED
from portal.record_types import REGISTRY
from tests import factories

postgresql_only = pytest.mark.parametrize("database_template", ["postgresql"], indirect=True)


def version(db, table: str = "needs") -> int:
    return db.session.execute(
        text(f"SELECT version FROM {data_version.TABLE} WHERE table_name = :table"),
        {"table": table},
    ).scalar_one()


def triggers_on(db, backend, table: str) -> set[str]:
    if backend == "postgresql":
        query = "SELECT tgname FROM pg_trigger WHERE tgrelid = CAST(:table AS regclass)"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :table"
    return set(db.session.scalars(text(query), {"table": table}))


def test_every_counted_table_raises_the_version(db, backend):
    counted = data_version.counted_tables(item.table for item in REGISTRY.as_of())

    assert set(counted) == _COUNTED
    assert {"needs", "responses", "support_links", "users"} <= set(counted)
    # The trail's guard allows no trigger on its tables but its own.
    assert "audit_entries" not in counted
    for table in counted:
        names = triggers_on(db, backend, table)
        assert any(name.startswith(f"iisg_data_version_{table}") for name in names), table


def test_a_commit_raises_the_version_and_a_rollback_does_not(db, backend):
    act_as_principal(None)
    cycle = factories.cycle()
    albania = factories.partner_tenant()
    db.session.commit()
    before = version(db)

    responses_before = version(db, "responses")

    db.session.add_all([factories.need(cycle, albania), factories.need(cycle, albania)])
    db.session.commit()
    after_commit = version(db)
    db.session.add(factories.need(cycle, albania))
    db.session.flush()
    db.session.rollback()

    # PostgreSQL raises it once per transaction, at commit; SQLite with every row.
    assert after_commit == before + 1 if backend == "postgresql" else after_commit > before
    assert version(db) == after_commit
    # Each table has its own: the responses' is where it was.
    assert version(db, "responses") == responses_before


def test_a_transaction_that_has_written_uses_no_version(db):
    act_as_principal(None)
    cycle = factories.cycle()
    db.session.commit()

    assert isinstance(data_version.usable_versions()["needs"], int)
    db.session.add(factories.need(cycle, factories.partner_tenant()))
    db.session.flush()
    assert data_version.usable_versions() is None
    db.session.commit()
    assert isinstance(data_version.usable_versions()["needs"], int)


@postgresql_only
def test_the_application_role_reads_the_version_but_cannot_set_it(db, database_url):
    engine = create_engine(database_url, poolclass=NullPool)
    with engine.connect() as connection:
        versions = dict(connection.execute(text(f"SELECT * FROM {data_version.TABLE}")).all())
        assert versions["needs"] >= 0
        with pytest.raises(ProgrammingError, match="permission denied"):
            connection.execute(text(f"UPDATE {data_version.TABLE} SET version = 0"))
    engine.dispose()
