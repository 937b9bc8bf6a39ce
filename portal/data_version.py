"""Data versions: a number per table that every statement changing the table raises.

A result computed from the records (a list's total, the analysis' gaps) is exactly what
computing it again would give for as long as the versions of the tables it read have
not moved since, provided no change was still under way when they were read.
``portal.kept_results`` keeps results on that condition. One version per table, so that
a change of a need leaves the responses' totals kept.

- PostgreSQL: a sequence per table (``iisg_data_version_<table>``), advanced by a
  statement-level trigger on the table. A sequence moves at once, outside the writer's
  transaction: nothing waits, nothing is left to do at commit (a later ALTER TABLE in
  the same transaction is not held up), and two writers never wait for each other. The
  versions are read first; a result is then kept only if, after that, no other
  transaction of the database holds a transaction id (``pg_stat_activity``): every
  change counted in the versions is then committed and visible, and any later one
  moves them. The
  application role may read the sequences and advance them (which only makes results
  be computed again), never set them back.
- SQLite: a row per table in ``iisg_data_version``, raised by a trigger per table and
  operation with every changed row. SQLite writes one transaction at a time and a reader
  never sees one under way, so its versions are those of committed data.

A transaction that has changed something itself sees data no other reader sees (and that
may yet be rolled back): ``usable_versions`` returns None for it, and nothing is kept.
docs/architecture.md explains the design, docs/benchmarks.md what it is worth.
"""

from __future__ import annotations

from sqlalchemy import text

from portal.extensions import db

# SQLite's versions; PostgreSQL's are sequences named after it.
TABLE = "iisg_data_version"
FUNCTION = "iisg_raise_data_version"
WRITERS = "iisg_writers_under_way"

# Tables whose writes raise no version, so that no result reading them is kept: the
# bookkeeping every sign-in and API call touches, and the trail's own tables, on which
# the trail's guard allows no trigger but its own (docs/audit.md).
UNCOUNTED_TABLES = frozenset(
    {
        "user_sessions",
        "recovery_codes",
        "api_tokens",
        "api_idempotency_keys",
        "audit_entries",
        "audit_chain_links",
        "audit_checkpoints",
        "audit_signing_keys",
        "audit_verifications",
        "jobs",
        "imports",
        "publications",
        "report_files",
        "webhooks",
        "webhook_deliveries",
        "webhook_cursors",
    }
)


# The columns of a record whose change no aggregate counts: what the record says (its
# words) and the bookkeeping every save moves (its version for the optimistic lock, its
# time of change). An update of these alone raises the table's *detail* version
# (``<table>__detail``), not its version: a renamed draft leaves every kept count of
# responses kept. A result reading any of them (a list's rows, an order by time of
# change) depends on both versions (``portal.kept_results``). No visibility rule may ask
# about them (tests/test_data_version.py holds the rules to that).
DETAIL_COLUMNS = {
    "needs": (
        "title",
        "description",
        "source_reference",
        "return_comment",
        "version",
        "updated_at",
    ),
    "responses": (
        "title",
        "description",
        "instrument",
        "external_reference",
        "version",
        "updated_at",
    ),
    "support_links": ("note", "version", "updated_at"),
}
DETAIL = "__detail"


def detail_version(table: str) -> str:
    """Return the name under which the detail version of ``table`` is read."""
    return f"{table}{DETAIL}"


def counted_tables(tables) -> tuple[str, ...]:
    """Return which of ``tables`` raise a data version, in a stable order."""
    return tuple(sorted(set(tables) - UNCOUNTED_TABLES))


def _name(table: str) -> str:
    """Return the name of ``table``'s trigger (and, on PostgreSQL, of its sequence)."""
    return f"{TABLE}_{table}"


# PostgreSQL: the trigger function raising a version, as the schema owner.
_RAISING_FUNCTION = (
    f"""CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    -- A trigger's one argument, if any, names which of the table's versions to raise.
    PERFORM nextval(format('public.%I',
                           '{TABLE}_' || TG_TABLE_NAME || coalesce(TG_ARGV[0], '')));
    RETURN NULL;
END $$""",
    f"REVOKE ALL ON FUNCTION {FUNCTION}() FROM PUBLIC",
)


def install_statements(dialect: str, tables) -> list[str]:
    """Return the SQL that creates the versions and the triggers raising them on ``tables``."""
    counted = counted_tables(tables)
    if dialect == "postgresql":
        statements = [
            *_RAISING_FUNCTION,
            # Whether another transaction of this database holds a transaction id, i.e.
            # may be writing. The activity is read afresh: within a transaction
            # PostgreSQL would otherwise give the one it read first.
            f"""CREATE OR REPLACE FUNCTION {WRITERS}() RETURNS boolean
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog AS $$
BEGIN
    PERFORM pg_stat_clear_snapshot();
    RETURN EXISTS (SELECT FROM pg_stat_activity
                   WHERE datname = current_database() AND backend_xid IS NOT NULL
                     AND pid <> pg_backend_pid());
END $$""",
        ]
        for table in counted:
            name = _name(table)
            statements += [
                f"CREATE SEQUENCE IF NOT EXISTS {name}",
                f"DROP TRIGGER IF EXISTS {name} ON {table}",
                f"CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
                f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()",
                # As the trail's capture: session_replication_role = replica (restores,
                # bulk loads) does not mute it.
                f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {name}",
            ]
        return statements
    statements = [
        f"CREATE TABLE IF NOT EXISTS {TABLE} ("
        " table_name VARCHAR(63) PRIMARY KEY, version BIGINT NOT NULL)",
    ]
    for table in counted:
        statements.append(
            f"INSERT INTO {TABLE} (table_name, version) SELECT '{table}', 0"
            f" WHERE NOT EXISTS (SELECT 1 FROM {TABLE} WHERE table_name = '{table}')"
        )
        for operation in ("insert", "update", "delete"):
            name = f"{_name(table)}_{operation}"
            statements += [
                f"DROP TRIGGER IF EXISTS {name}",
                f"CREATE TRIGGER {name} AFTER {operation.upper()} ON {table} FOR EACH ROW"
                f" BEGIN UPDATE {TABLE} SET version = version + 1"
                f" WHERE table_name = '{table}'; END",
            ]
    return statements


def install_detail_statements(dialect: str, columns: dict[str, list[str]]) -> list[str]:
    """Return the SQL splitting each table's updates between its two versions.

    ``columns`` maps each table of ``DETAIL_COLUMNS`` to all its columns, as they stand
    when this runs: an update naming any column but the details raises the version as
    before; one naming details raises the detail version. A migration adding a column
    to such a table must run this again (the test of every column says so).
    """
    statements = list(_RAISING_FUNCTION) if dialect == "postgresql" else []
    for table, details in DETAIL_COLUMNS.items():
        shape = [name for name in columns[table] if name not in details]
        name, detail = _name(table), _name(detail_version(table))
        if dialect == "postgresql":
            statements += [
                f"CREATE SEQUENCE IF NOT EXISTS {detail}",
                f"DROP TRIGGER IF EXISTS {name} ON {table}",
                f"CREATE TRIGGER {name} AFTER INSERT OR DELETE OR TRUNCATE"
                f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()",
                f"CREATE TRIGGER {name}_update AFTER UPDATE OF {', '.join(shape)}"
                f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()",
                f"CREATE TRIGGER {detail} AFTER UPDATE OF {', '.join(details)}"
                f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}('{DETAIL}')",
            ]
            statements += [
                f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {trigger}"
                for trigger in (name, f"{name}_update", detail)
            ]
            continue
        statements += [
            f"INSERT INTO {TABLE} (table_name, version) SELECT '{detail_version(table)}', 0"
            f" WHERE NOT EXISTS (SELECT 1 FROM {TABLE}"
            f" WHERE table_name = '{detail_version(table)}')",
            f"DROP TRIGGER IF EXISTS {name}_update",
            f"CREATE TRIGGER {name}_update AFTER UPDATE OF {', '.join(shape)} ON {table}"
            f" FOR EACH ROW BEGIN UPDATE {TABLE} SET version = version + 1"
            f" WHERE table_name = '{table}'; END",
            f"DROP TRIGGER IF EXISTS {detail}",
            f"CREATE TRIGGER {detail} AFTER UPDATE OF {', '.join(details)} ON {table}"
            f" FOR EACH ROW BEGIN UPDATE {TABLE} SET version = version + 1"
            f" WHERE table_name = '{detail_version(table)}'; END",
        ]
    return statements


def uninstall_detail_statements(dialect: str) -> list[str]:
    """Return the SQL undoing ``install_detail_statements`` (every update raises the version)."""
    statements = []
    for table in DETAIL_COLUMNS:
        name, detail = _name(table), _name(detail_version(table))
        if dialect == "postgresql":
            statements += [
                f"DROP TRIGGER IF EXISTS {detail} ON {table}",
                f"DROP TRIGGER IF EXISTS {name}_update ON {table}",
                f"DROP TRIGGER IF EXISTS {name} ON {table}",
                f"DROP SEQUENCE IF EXISTS {detail}",
                f"CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
                f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()",
                f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {name}",
            ]
            continue
        statements += [
            f"DROP TRIGGER IF EXISTS {detail}",
            f"DROP TRIGGER IF EXISTS {name}_update",
            f"CREATE TRIGGER {name}_update AFTER UPDATE ON {table} FOR EACH ROW"
            f" BEGIN UPDATE {TABLE} SET version = version + 1"
            f" WHERE table_name = '{table}'; END",
            f"DELETE FROM {TABLE} WHERE table_name = '{detail_version(table)}'",
        ]
    return statements


def uninstall_statements(dialect: str, tables) -> list[str]:
    """Return the SQL removing the triggers, the function and the versions."""
    statements = []
    for table in counted_tables(tables):
        name = _name(table)
        if dialect == "postgresql":
            statements += [
                f"DROP TRIGGER IF EXISTS {name} ON {table}",
                f"DROP SEQUENCE IF EXISTS {name}",
            ]
        else:
            statements += [
                f"DROP TRIGGER IF EXISTS {name}_{operation}"
                for operation in ("insert", "update", "delete")
            ]
    if dialect == "postgresql":
        statements.append(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
        statements.append(f"DROP FUNCTION IF EXISTS {WRITERS}()")
    else:
        statements.append(f"DROP TABLE IF EXISTS {TABLE}")
    return statements


# --- Reading them -----------------------------------------------------------------------


def _sequence_values(counted) -> str:
    return ", ".join(
        f"(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {_name(table)})"
        for table in counted
    )


def read_versions(tables) -> dict[str, int]:
    """Return the current version of each of ``tables`` (the counted ones)."""
    connection = db.session.connection()
    counted = counted_tables(tables)
    if connection.dialect.name == "postgresql":
        values = connection.execute(text(f"SELECT {_sequence_values(counted)}")).one()
        return dict(zip(counted, values, strict=True))
    rows = connection.execute(text(f"SELECT table_name, version FROM {TABLE}")).all()
    return {table: version for table, version in rows if table in counted}


def usable_versions(tables) -> dict[str, int] | None:
    """Return the versions of ``tables`` if results may be kept under them, else None.

    None when this transaction has changed anything (it sees its own changes, which no
    version describes and which may be rolled back), and on PostgreSQL when, just after
    the versions were read, some transaction was still writing (its changes may be in
    the versions but are not yet visible).
    """
    connection = db.session.connection()
    counted = counted_tables(tables)
    if connection.dialect.name == "postgresql":
        untouched, *values = connection.execute(
            text("SELECT pg_current_xact_id_if_assigned() IS NULL, " + _sequence_values(counted))
        ).one()
        if not untouched or writers_under_way():
            return None
        return dict(zip(counted, values, strict=True))
    if connection.connection.dbapi_connection.in_transaction:
        return None
    return read_versions(tables)


def writers_under_way() -> bool:
    """Return whether, now, another transaction may be writing (PostgreSQL).

    Asked after the versions (or the trail's largest key) were read: when nothing is
    under way then, every change they count is committed, and visible to what is
    computed next.
    """
    return db.session.connection().execute(text(f"SELECT {WRITERS}()")).scalar_one()


def narrow_statement(app_role: str) -> str:
    """Return the SQL taking from the application role what blanket grants gave it here.

    Granting every sequence and function of the schema (``portal.rls``) also lets the
    role advance the versions and run the trigger function: it needs only to read them.
    """
    role = "'" + app_role.replace("'", "''") + "'"
    return f"""DO $$
DECLARE
    sequence_name text;
BEGIN
    FOR sequence_name IN
        SELECT c.relname FROM pg_catalog.pg_class AS c
        JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'S' AND c.relname LIKE '{TABLE}\\_%'
    LOOP
        EXECUTE format('REVOKE USAGE, UPDATE ON SEQUENCE public.%I FROM %I',
                       sequence_name, {role});
    END LOOP;
    IF to_regprocedure('public.{FUNCTION}()') IS NOT NULL THEN
        EXECUTE format('REVOKE ALL ON FUNCTION public.{FUNCTION}() FROM PUBLIC, %I', {role});
    END IF;
END $$"""


def grant_statements(app_role: str, tables) -> list[str]:
    """Return the SQL letting the application role read the versions (PostgreSQL)."""
    return [
        f'GRANT SELECT ON SEQUENCE {_name(table)} TO "{app_role}"'
        for table in counted_tables(tables)
    ]
