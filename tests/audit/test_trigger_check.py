"""Capture triggers dropped or altered are named at every seal and by verification.

Someone who can change the schema (anyone with the SQLite file; the owner or a superuser
on PostgreSQL) can drop or alter a capture trigger, change rows with no entry at all, and
put it back. The installed triggers and functions are compared with what the generator
makes of the registry; what differs is named until it is put back as generated.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool
from structlog.testing import capture_logs

from audit import triggers
from portal import audit_trail, record_types
from tests import factories

sqlite_only = pytest.mark.parametrize("database_template", ["sqlite"], indirect=True)
postgresql_only = pytest.mark.parametrize("database_template", ["postgresql"], indirect=True)


@pytest.fixture
def albania(db):
    cycle = factories.cycle()
    tenant = factories.partner_tenant()
    db.session.add(factories.need(cycle, tenant, title="Border surveillance", priority="high"))
    db.session.commit()
    db.session.remove()


@contextmanager
def schema_owner(database_owner_url):
    """Connect as whoever can change the schema: the SQLite file's holder, the PG owner."""
    engine = create_engine(database_owner_url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            yield connection
    finally:
        engine.dispose()


def problems(db):
    with db.engine.connect() as connection:
        return triggers.installed_problems(connection, record_types.REGISTRY.audit_declaration())


def captured_breaks(report) -> list[tuple[str, str]]:
    return [(item.table, item.trigger) for item in report.capture]


def test_the_capture_installed_by_the_migrations_is_as_generated(db):
    assert problems(db) == []
    assert audit_trail.verify().capture == []


@sqlite_only
def test_a_dropped_capture_trigger_is_named_by_verify(db, albania, database_owner_url):
    with schema_owner(database_owner_url) as owner:
        owner.execute(text('DROP TRIGGER "audit_capture_needs_U"'))
        # Unrecorded while the trigger is gone.
        owner.execute(text("UPDATE needs SET priority = 'low'"))

    report = audit_trail.verify()

    assert captured_breaks(report) == [("needs", "audit_capture_needs_U")]
    assert report.capture[0].kind == "capture_trigger_altered"
    assert "missing" in report.capture[0].detail
    assert not report.passes(allow_unsigned=True)


@sqlite_only
def test_an_altered_capture_trigger_is_named_by_verify(db, albania, database_owner_url):
    with schema_owner(database_owner_url) as owner:
        sql = owner.execute(
            text("SELECT sql FROM sqlite_master WHERE name = 'audit_capture_needs_U'")
        ).scalar_one()
        owner.execute(text('DROP TRIGGER "audit_capture_needs_U"'))
        # The same trigger, but silent for one user's changes.
        owner.execute(text(sql.replace(" WHEN ", " WHEN audit_context('actor_id') IS NOT 7 AND ")))

    report = audit_trail.verify()

    assert captured_breaks(report) == [("needs", "audit_capture_needs_U")]
    assert "SQL is not what the declaration generates" in report.capture[0].detail


@sqlite_only
def test_a_trigger_written_again_with_other_spacing_is_not_named(db, database_owner_url):
    with schema_owner(database_owner_url) as owner:
        sql = owner.execute(
            text("SELECT sql FROM sqlite_master WHERE name = 'audit_capture_needs_U'")
        ).scalar_one()
        owner.execute(text('DROP TRIGGER "audit_capture_needs_U"'))
        owner.execute(text(sql.replace(" BEGIN ", "\n  BEGIN\n    ").replace(", ", ",  ")))

    assert problems(db) == []


@sqlite_only
def test_a_dropped_guard_of_the_trail_is_named(db, database_owner_url):
    with schema_owner(database_owner_url) as owner:
        owner.execute(text('DROP TRIGGER "audit_entries_append_only_update"'))

    assert [(item.table, item.trigger) for item in problems(db)] == [
        ("audit_entries", "audit_entries_append_only_update")
    ]


def test_a_trigger_added_to_the_trail_is_named(db, database_owner_url, backend):
    with schema_owner(database_owner_url) as owner:
        if backend == "sqlite":
            owner.execute(
                text(
                    "CREATE TRIGGER audit_entries_echo AFTER INSERT ON audit_entries"
                    " BEGIN SELECT 1; END"
                )
            )
        else:
            # Rewrites who acted as each entry is written.
            owner.exec_driver_sql(
                "CREATE FUNCTION audit_entries_echo() RETURNS trigger LANGUAGE plpgsql AS"
                " $$ BEGIN NEW.actor_label := 'someone else'; RETURN NEW; END $$;"
                " CREATE TRIGGER audit_entries_echo BEFORE INSERT ON audit_entries"
                " FOR EACH ROW EXECUTE FUNCTION audit_entries_echo()"
            )

    found = problems(db)

    assert [(item.table, item.trigger) for item in found] == [
        ("audit_entries", "audit_entries_echo")
    ]
    assert "does not make" in found[0].detail


@postgresql_only
@pytest.mark.parametrize(
    ("tampering", "detail"),
    [
        ("DROP TRIGGER audit_capture ON needs", "the trigger is missing"),
        ("ALTER TABLE needs DISABLE TRIGGER audit_capture", "not enabled ALWAYS"),
        # Enabled, but no longer ALWAYS: session_replication_role = replica mutes it.
        ("ALTER TABLE needs ENABLE TRIGGER audit_capture", "not enabled ALWAYS"),
        (
            "CREATE OR REPLACE FUNCTION audit_capture_needs() RETURNS trigger"
            " LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp"
            " AS $$ BEGIN RETURN NULL; END $$",
            "another body",
        ),
        (
            "DROP TRIGGER audit_capture ON needs;"
            " CREATE TRIGGER audit_capture AFTER INSERT OR DELETE ON needs"
            " FOR EACH ROW EXECUTE FUNCTION audit_capture_needs();"
            " ALTER TABLE needs ENABLE ALWAYS TRIGGER audit_capture",
            "fires on other events",
        ),
        # Run as the application's role, which cannot write the trail.
        ("ALTER FUNCTION audit_capture_needs() SECURITY INVOKER", "not SECURITY DEFINER"),
        (
            # Updates of other columns than the title go unrecorded.
            "DROP TRIGGER audit_capture ON needs;"
            " CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OF title OR DELETE ON needs"
            " FOR EACH ROW EXECUTE FUNCTION audit_capture_needs();"
            " ALTER TABLE needs ENABLE ALWAYS TRIGGER audit_capture",
            "fires on other events",
        ),
        (
            "DROP TRIGGER audit_capture ON needs;"
            " CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON needs"
            " FOR EACH ROW WHEN (pg_backend_pid() < 0)"
            " EXECUTE FUNCTION audit_capture_needs();"
            " ALTER TABLE needs ENABLE ALWAYS TRIGGER audit_capture",
            "fires on other events",
        ),
        (
            "DROP TRIGGER audit_capture ON needs;"
            " CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON needs"
            " FOR EACH ROW EXECUTE FUNCTION audit_capture_cycles();"
            " ALTER TABLE needs ENABLE ALWAYS TRIGGER audit_capture",
            "calls audit_capture_cycles",
        ),
    ],
)
def test_a_capture_trigger_changed_on_postgresql_is_named(
    db, albania, database_owner_url, tampering, detail
):
    with schema_owner(database_owner_url) as owner:
        owner.exec_driver_sql(tampering)

    report = audit_trail.verify()

    assert captured_breaks(report) == [("needs", "audit_capture")]
    assert detail in report.capture[0].detail
    assert not report.passes(allow_unsigned=True)


@postgresql_only
@pytest.mark.parametrize(
    "tampering",
    [
        # The capture functions find audit_actor by name: who acts would be made up.
        "CREATE OR REPLACE FUNCTION audit_actor("
        " OUT actor_id integer, OUT actor_kind text, OUT actor_label text,"
        " OUT actor_tenant_id integer, OUT request_id text, OUT client_address text,"
        " OUT reason text) LANGUAGE plpgsql STABLE AS $$"
        " BEGIN actor_kind := 'system'; END $$",
        "ALTER FUNCTION audit_record_event(text, integer, jsonb) SET search_path = pg_temp, public",
    ],
)
def test_a_function_the_capture_calls_changed_on_postgresql_is_named(
    db, database_owner_url, tampering
):
    with schema_owner(database_owner_url) as owner:
        owner.exec_driver_sql(tampering)

    found = problems(db)

    assert len(found) == 1
    assert found[0].trigger in {"audit_actor", "audit_record_event"}


def test_a_seal_with_a_trigger_gone_logs_an_error_and_seals_all_the_same(
    db, albania, database_owner_url, backend
):
    # A seal first, so that the check remembers what it expects, as in a running portal.
    audit_trail.seal_pending()
    with schema_owner(database_owner_url) as owner:
        if backend == "sqlite":
            owner.execute(text('DROP TRIGGER "audit_capture_needs_U"'))
        else:
            owner.execute(text("DROP TRIGGER audit_capture ON needs"))
    factories.partner_tenant(code="RS-MUP", economy="RS")
    db.session.commit()
    db.session.remove()

    with capture_logs() as logged:
        result = audit_trail.seal_pending()

    assert result.total == 1
    (error,) = [line for line in logged if line["event"] == "audit_capture_altered"]
    assert error["log_level"] == "error"
    assert [problem.split(":")[0] for problem in error["problems"]] == [
        "audit_capture_needs_U on needs" if backend == "sqlite" else "audit_capture on needs"
    ]


def test_the_seal_command_exits_non_zero_when_a_trigger_is_gone(
    runner, db, albania, database_owner_url, backend
):
    with schema_owner(database_owner_url) as owner:
        if backend == "sqlite":
            owner.execute(text('DROP TRIGGER "audit_capture_needs_D"'))
        else:
            owner.execute(text("ALTER TABLE needs DISABLE TRIGGER audit_capture"))

    sealed = runner.invoke(args=["audit", "seal"])
    signed = runner.invoke(args=["audit", "checkpoint"])
    verified = runner.invoke(args=["audit", "verify", "--allow-unsigned"])

    assert sealed.exit_code == 1
    assert "Sealed" in sealed.output and "capture_trigger_altered" in sealed.output
    assert signed.exit_code == 1
    assert "Signed" in signed.output and "capture_trigger_altered" in signed.output
    assert verified.exit_code == 1
    assert "BROKEN capture: capture_trigger_altered" in verified.output


def test_a_trigger_put_back_as_generated_is_no_longer_named(db, database_owner_url, backend):
    with schema_owner(database_owner_url) as owner:
        if backend == "sqlite":
            owner.execute(text('DROP TRIGGER "audit_capture_needs_U"'))
        else:
            owner.execute(text("DROP TRIGGER audit_capture ON needs"))
    assert len(problems(db)) == 1
    with schema_owner(database_owner_url) as owner:
        declaration = record_types.REGISTRY.audit_declaration()
        for statement in triggers.install_statements(owner, declaration, only=("needs",)):
            owner.execute(text(statement))

    assert problems(db) == []
