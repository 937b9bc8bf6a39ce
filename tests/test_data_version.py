"""The data versions: raised by every change of a counted table, set by no one else."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.pool import NullPool

from portal import data_version
from portal.identity import act_as_principal
from portal.kept_results import _COUNTED
from portal.models import Base, Need
from portal.record_types import REGISTRY
from portal.visibility import columns
from tests import factories

postgresql_only = pytest.mark.parametrize("database_template", ["postgresql"], indirect=True)


def version(table: str = "needs") -> int:
    return data_version.read_versions([table])[table]


def triggers_on(db, backend, table: str) -> set[str]:
    if backend == "postgresql":
        query = "SELECT tgname FROM pg_trigger WHERE tgrelid = CAST(:table AS regclass)"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :table"
    return set(db.session.scalars(text(query), {"table": table}))


def test_every_counted_table_raises_its_version(db, backend):
    counted = data_version.counted_tables(item.table for item in REGISTRY.as_of())

    assert set(counted) == _COUNTED
    assert {"needs", "responses", "support_links", "users"} <= set(counted)
    # The trail's guard allows no trigger on its tables but its own.
    assert "audit_entries" not in counted
    for table in counted:
        names = triggers_on(db, backend, table)
        assert any(name.startswith(f"iisg_data_version_{table}") for name in names), table
    assert set(data_version.read_versions(counted)) == set(counted)


def test_a_change_raises_its_tables_version_alone(db, backend):
    act_as_principal(None)
    cycle = factories.cycle()
    albania = factories.partner_tenant()
    db.session.commit()
    before, responses_before = version(), version("responses")

    db.session.add_all([factories.need(cycle, albania), factories.need(cycle, albania)])
    db.session.commit()

    assert version() > before
    assert version("responses") == responses_before


def test_sqlite_keeps_its_version_through_a_rollback(db, backend):
    act_as_principal(None)
    cycle = factories.cycle()
    db.session.commit()
    before = version()

    db.session.add(factories.need(cycle, factories.partner_tenant()))
    db.session.flush()
    db.session.rollback()

    # PostgreSQL's sequences move for good (which only makes results be computed again).
    assert version() == before if backend == "sqlite" else version() >= before


def test_a_transaction_that_has_written_keeps_nothing(db):
    act_as_principal(None)
    cycle = factories.cycle()
    db.session.commit()

    assert isinstance(data_version.usable_versions(["needs"])["needs"], int)
    db.session.add(factories.need(cycle, factories.partner_tenant()))
    db.session.flush()
    assert data_version.usable_versions(["needs"]) is None
    db.session.commit()
    assert isinstance(data_version.usable_versions(["needs"])["needs"], int)


@postgresql_only
def test_nothing_is_kept_while_another_transaction_writes(db, database_owner_url):
    act_as_principal(None)
    factories.cycle()
    db.session.commit()
    db.session.rollback()
    assert data_version.usable_versions(["needs"]) is not None

    engine = create_engine(database_owner_url, poolclass=NullPool)
    with engine.connect() as writer, writer.begin():
        writer.execute(text("SELECT pg_current_xact_id()"))  # a transaction under way
        db.session.rollback()
        assert data_version.usable_versions(["needs"]) is None
    engine.dispose()
    db.session.rollback()
    assert data_version.usable_versions(["needs"]) is not None


@postgresql_only
def test_the_application_role_reads_the_versions_but_cannot_set_them(db, database_url):
    engine = create_engine(database_url, poolclass=NullPool)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT last_value FROM iisg_data_version_needs")).scalar()
        with pytest.raises(ProgrammingError, match="permission denied"):
            connection.execute(text("SELECT setval('iisg_data_version_needs', 1)"))
    engine.dispose()


def _versions(table: str) -> tuple[int, int]:
    detail = data_version.detail_version(table)
    versions = data_version.read_versions([table, detail])
    return versions[table], versions[detail]


@pytest.fixture
def one_of_each(db):
    """A need, a response and the link between them, written as the system."""
    act_as_principal(None)
    need = factories.need(factories.cycle(), factories.partner_tenant())
    response = factories.response(factories.member_tenant())
    link = factories.support_link(response, need)
    db.session.add_all([need, response, link])
    db.session.commit()
    return {"needs": need.id, "responses": response.id, "support_links": link.id}


def test_a_change_of_words_raises_the_detail_version_alone(db, one_of_each):
    need = db.session.get(Need, one_of_each["needs"])
    before = _versions("needs")

    need.title = "Border surveillance, renamed"
    db.session.commit()
    renamed = _versions("needs")
    need.status = "submitted"
    db.session.commit()

    assert renamed[0] == before[0] and renamed[1] > before[1]
    assert _versions("needs")[0] > renamed[0]


@pytest.mark.parametrize("table", sorted(data_version.DETAIL_COLUMNS))
def test_an_update_of_any_column_raises_one_of_its_tables_versions(db, one_of_each, table):
    """A column a later migration adds, not named to the triggers, would raise neither."""
    act_as_principal(None)
    details = data_version.DETAIL_COLUMNS[table]
    for column in Base.metadata.tables[table].columns:
        before = _versions(table)
        db.session.execute(
            text(f"UPDATE {table} SET {column.name} = {column.name} WHERE id = :id"),
            {"id": one_of_each[table]},
        )
        db.session.commit()
        after = _versions(table)
        raised = after[1] > before[1] if column.name in details else after[0] > before[0]
        assert raised, (table, column.name)
        kept = after[0] == before[0] if column.name in details else after[1] == before[1]
        assert kept, (table, column.name)


def test_no_visibility_rule_asks_about_a_detail_column():
    # A result reading a table's rows through its rule must not miss a change of them.
    for item in REGISTRY.as_of():
        for table, details in data_version.DETAIL_COLUMNS.items():
            if item.table == table:
                assert not columns(item.read) & set(details), table
