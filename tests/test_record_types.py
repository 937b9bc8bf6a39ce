"""The record-type registry covers every table, and forgetting a wall fails here.

See docs/architecture.md, "Adding a record type", for the step each test guards.
"""

from dataclasses import replace

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, inspect
from sqlalchemy.dialects import sqlite

from audit import tables as trail_tables
from audit.declaration import OwnColumn
from portal import data_version, db_identity, full_text
from portal.identity import Principal
from portal.models import Base
from portal.record_types import (
    LINK_COPIES,
    READABLE_LINK_BY_ENDS,
    REGISTRY,
    Capture,
    RecordType,
    Registry,
)
from portal.tenancy import criteria_of
from portal.visibility import Everyone, OwnTenant, ReadableRow, principal_facts, references

PRINCIPALS = [
    Principal(1, 10, "partner", 3, frozenset({"viewer"})),
    Principal(2, 20, "member", None, frozenset({"editor", "tenant_admin"})),
    Principal(3, 30, "secretariat", None, frozenset({"admin", "auditor"})),
]


def registered_tables(registry=REGISTRY) -> set[str]:
    return {item.table for item in registry.as_of()}


def test_every_mapped_table_is_a_record_type():
    assert set(Base.metadata.tables) | trail_tables.TABLE_NAMES == registered_tables()


def test_every_table_in_the_database_is_registered(db, backend):
    in_database = set(inspect(db.engine).get_table_names())
    other = {item.table for item in REGISTRY.other_tables}
    if backend == "sqlite":
        # Only PostgreSQL checks signed identities; SQLite has no roles to keep a key from.
        other.discard(db_identity.SECRETS_TABLE)
        # Each database keeps the search's words its own way (docs/search.md).
        other.discard(full_text.POSTGRES_TABLE)
    else:
        # PostgreSQL keeps its data versions in sequences, SQLite in a table.
        other.discard(data_version.TABLE)
        other -= full_text.SQLITE_TABLE_NAMES

    assert in_database == registered_tables() | other


def test_the_registry_names_no_problem():
    assert REGISTRY.problems() == []


def test_a_walled_table_the_application_cannot_scope_is_a_problem():
    scribbles = Table(
        "scribbles",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("tenant_id", Integer),
    )
    forgotten = RecordType(
        "scribbles", scribbles, read=OwnTenant(), write=OwnTenant(), audit=Capture(OwnColumn())
    )
    registry = Registry((*REGISTRY.record_types, forgotten))

    assert registry.problems() == [
        "scribbles: only PostgreSQL would wall it: map it, or say which record type's"
        " relationship reaches it (reached_through), or why only the system reads it"
    ]


def test_a_table_claimed_reached_through_an_unrelated_parent_is_a_problem():
    claimed = replace(REGISTRY["need_acquis_chapters"], reached_through="responses")
    registry = Registry(
        tuple(claimed if item.table == claimed.table else item for item in REGISTRY.record_types)
    )

    assert registry.problems() == [
        "need_acquis_chapters: it is not reached through a relationship of responses,"
        " whose criteria would wall it"
    ]


def test_a_rule_naming_a_missing_column_is_a_problem():
    misspelt = replace(REGISTRY["needs"], read=OwnTenant("tennant_id"))
    registry = Registry(
        tuple(misspelt if item.table == "needs" else item for item in REGISTRY.record_types)
    )

    assert registry.problems() == [
        "needs: its rules ask about tennant_id, which is not a column of it"
    ]


def test_a_table_registered_twice_is_refused():
    with pytest.raises(ValueError, match="twice"):
        Registry((REGISTRY["needs"], REGISTRY["needs"]))


@pytest.mark.parametrize("principal", PRINCIPALS, ids=lambda principal: principal.tenant_kind)
def test_every_read_rule_compiles_for_every_kind_of_principal(principal):
    for item in REGISTRY.as_of():
        if item.read != Everyone():
            assert criteria_of(principal, item.table) is not None, item.table


def _facts_of_table_and_lookups(table: str) -> set[str]:
    """Return what the rules of ``table`` and of the tables they look rows up in ask."""
    facts, pending, seen = set(), [table], set()
    while pending:
        current = pending.pop()
        seen.add(current)
        rule = REGISTRY[current].read
        facts |= principal_facts(rule)
        pending.extend(references(rule) - seen)
    return facts


def _compiled(principal: Principal, table: str) -> str:
    criteria = criteria_of(principal, table)
    return str(criteria.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))


@pytest.mark.parametrize("table", sorted(registered_tables()))
def test_principals_alike_in_what_a_rule_asks_get_the_same_rows(table):
    """Kept results are shared by readers alike in ``principal_facts``: it must be all."""
    facts = _facts_of_table_and_lookups(table)
    others = {
        "user_id": 99,
        "tenant_id": 77,
        "tenant_kind": "member",
        "economy_id": None,
        "roles": frozenset({"editor", "admin", "auditor", "tenant_admin"}),
    }
    for principal in PRINCIPALS:
        for fact, value in others.items():
            if fact in facts:
                continue
            other = replace(principal, **{fact: value})
            assert _compiled(other, table) == _compiled(principal, table), (table, fact)


def test_a_generation_gets_the_rules_of_its_time():
    before = {item.table: item for item in REGISTRY.as_of(LINK_COPIES - 1)}
    now = {item.table: item for item in REGISTRY.as_of(LINK_COPIES)}

    assert before["support_links"].read == READABLE_LINK_BY_ENDS
    assert before["support_links"].audit.derived == ()
    assert now["support_links"].read != READABLE_LINK_BY_ENDS
    assert "need_status" in now["support_links"].audit.derived


def test_the_audit_declaration_of_a_generation_leaves_out_later_tables():
    later = RecordType(
        "later_notes",
        Table("later_notes", MetaData(), Column("id", Integer, primary_key=True)),
        read=Everyone(),
        write=Everyone(),
        audit=Capture(OwnColumn("id")),
        since=REGISTRY.latest + 1,
    )
    registry = Registry((*REGISTRY.record_types, later), latest=REGISTRY.latest + 1)

    assert "later_notes" not in registry.audit_declaration(REGISTRY.latest).tables
    assert "later_notes" in registry.audit_declaration().tables


def test_the_trail_tables_are_not_captured_by_the_trail():
    captured = REGISTRY.audit_declaration().tables

    assert captured.isdisjoint(trail_tables.TABLE_NAMES)
    assert {item.table for item in REGISTRY.trail()} == trail_tables.TABLE_NAMES


def test_a_rule_referring_to_an_unknown_table_is_a_problem():
    astray = replace(REGISTRY["response_parties"], read=ReadableRow("response_id", "programmes"))
    registry = Registry(
        tuple(astray if item.table == astray.table else item for item in REGISTRY.record_types)
    )

    assert registry.problems() == [
        "response_parties: its rules refer to programmes, which is not a record type"
    ]


def throwaway_record_type(generation: int) -> RecordType:
    """Return a record type added in ``generation``, as a later wave would add one."""
    notes = Table(
        "throwaway_notes",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("tenant_id", Integer),
        Column("body", Integer),
    )
    return RecordType(
        "throwaway_notes",
        notes,
        read=OwnTenant(),
        write=OwnTenant(),
        audit=Capture(OwnColumn()),
        system_only="a test's throwaway table",
        since=generation,
    )
