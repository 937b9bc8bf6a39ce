"""One declaration covers every table, and what is installed is what it generates."""

import pytest
from sqlalchemy import inspect, text

from audit import tables as audit_tables
from audit import triggers
from audit.declaration import PLATFORM, Audited, Declaration, Exempt
from portal import data_version, db_identity, freeze, full_text, link_ends
from portal.models import Base
from portal.record_types import REGISTRY

DECLARATION = REGISTRY.audit_declaration()


def test_every_mapped_table_is_audited_or_exempt_with_a_reason():
    # Besides the models: the migration tool's table, the owner-only secrets of
    # PostgreSQL, the data versions and the search's words, which no model describes.
    unmapped = {"alembic_version", db_identity.SECRETS_TABLE, data_version.TABLE}
    unmapped |= {full_text.POSTGRES_TABLE, *full_text.SQLITE_TABLE_NAMES}
    assert set(Base.metadata.tables) | unmapped == DECLARATION.tables
    assert all(item.why for item in DECLARATION.exempt)
    assert DECLARATION.tables.isdisjoint(audit_tables.TABLE_NAMES)


def test_every_table_in_the_database_is_declared(db, backend):
    in_database = set(inspect(db.engine).get_table_names())
    declared = DECLARATION.tables | audit_tables.TABLE_NAMES
    if backend == "sqlite":
        declared -= {db_identity.SECRETS_TABLE}  # only PostgreSQL checks signed identities
        declared -= {full_text.POSTGRES_TABLE}  # each database keeps the search its own way
    else:
        declared -= {data_version.TABLE}  # PostgreSQL keeps its versions in sequences
        declared -= full_text.SQLITE_TABLE_NAMES

    assert in_database == declared


def test_bookkeeping_columns_need_a_reason():
    with pytest.raises(ValueError, match="reason"):
        Audited("user_sessions", PLATFORM, bookkeeping=("last_seen_at",))


def test_a_table_cannot_be_declared_twice():
    with pytest.raises(ValueError, match="twice"):
        Declaration(audited=(Audited("needs", PLATFORM),), exempt=(Exempt("needs", "no"),))


def test_a_misspelt_secret_column_stops_the_installation(db):
    mistaken = Declaration(audited=(Audited("users", PLATFORM, redacted=("pasword_hash",)),))

    with pytest.raises(ValueError, match="pasword_hash"):
        triggers.install_statements(db.engine, mistaken)


def test_every_derived_column_is_a_column_of_its_table(db):
    inspector = inspect(db.engine)
    for item in DECLARATION.audited:
        columns = {column["name"] for column in inspector.get_columns(item.table)}

        assert set(item.derived) <= columns, item.table


def test_derived_columns_need_a_reason():
    with pytest.raises(ValueError, match="reason"):
        Audited("support_links", PLATFORM, derived=("need_status",))


@pytest.mark.parametrize("database_template", ["sqlite"], indirect=True)
def test_sqlite_triggers_are_the_ones_the_declaration_generates_today(db):
    # SQLite's triggers list the columns: a migration that changes an audited table
    # must install them again, or this fails. The only others are the support links',
    # the freezes', the data versions' (two per table for those with details) and the search's.
    with db.engine.connect() as connection:
        installed = dict(
            connection.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            ).all()
        )
        expected = [
            statement
            for statement in (
                *triggers.install_statements(connection, DECLARATION),
                *link_ends.install_statements("sqlite"),
                *freeze.install_statements("sqlite"),
                *freeze.chapter_install_statements("sqlite"),
                *data_version.install_statements(
                    "sqlite", [item.table for item in REGISTRY.as_of()]
                ),
                *full_text.sqlite_statements(),
                # Later, and replacing the data versions' update triggers of these tables.
                *data_version.install_detail_statements(
                    "sqlite",
                    {
                        table: [column["name"] for column in inspect(connection).get_columns(table)]
                        for table in data_version.DETAIL_COLUMNS
                    },
                ),
            )
            if statement.startswith("CREATE TRIGGER")
        ]
    by_name = {statement.split()[2].strip('"'): statement for statement in expected}
    assert len(installed) == len(by_name)
    for name, statement in by_name.items():
        assert installed[name] == statement, name


@pytest.mark.parametrize("database_template", ["postgresql"], indirect=True)
def test_postgres_capture_is_installed_always_enabled_on_every_audited_table(db):
    with db.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT c.relname, t.tgname, t.tgenabled FROM pg_trigger t"
                " JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname LIKE 'audit_%'"
            )
        ).all()
        definitions = dict(
            connection.execute(
                text(
                    "SELECT proname, prosrc FROM pg_proc WHERE proname LIKE 'audit_capture_%'"
                    " AND prosecdef"
                )
            ).all()
        )
        generated = {
            item.table: triggers.postgres_capture_statements(
                item, triggers.shapes_from_database(connection, DECLARATION)[item.table]
            )[0]
            for item in DECLARATION.audited
        }
    triggers_by_table = {}
    for table, name, enabled in rows:
        triggers_by_table.setdefault(table, {})[name] = enabled
    for item in DECLARATION.audited:
        assert triggers_by_table[item.table] == {
            "audit_capture": "A",
            "audit_capture_truncate": "A",
        }, item.table
        assert definitions[f"audit_capture_{item.table}"] in generated[item.table], item.table
    for table in audit_tables.TABLE_NAMES:
        assert triggers_by_table[table] == {
            "audit_append_only": "A",
            "audit_append_only_truncate": "A",
        }, table
