"""The data version: a number every transaction that changes records raises when it commits.

A result computed from the records (a list's total, the analysis' gaps) is exactly what
computing it again would give for as long as the data version it was computed at is
still the current one. ``portal.kept_results`` keeps such results on that condition.

The version lives in a one-row table, ``iisg_data_version``, raised by triggers on every
table of ``COUNTED_TABLES``:

- PostgreSQL: a deferred constraint trigger, so the raise happens at commit, once per
  transaction (a transaction-local setting remembers it), and is visible exactly when
  the changes are; the row is locked only for the instant of the commit. The function
  runs as the schema owner: the application role reads the version but cannot set it.
- SQLite: a trigger per table and operation, raising it with every changed row (SQLite
  writes one transaction at a time anyway).

A transaction that has changed something itself sees data no other reader sees (and that
may yet be rolled back): ``usable_version`` returns None for it, and nothing is kept.
docs/architecture.md explains the design, docs/benchmarks.md what it is worth.
"""

from __future__ import annotations

from sqlalchemy import text

from portal.extensions import db

TABLE = "iisg_data_version"
FUNCTION = "iisg_raise_data_version"
_RAISED = "iisg_data_version.raised"

# Tables a write to which changes what a kept result could say: every record type but
# the bookkeeping sign-in and API calls touch, which no kept result reads (a result
# reading any other table is simply never kept).
UNCOUNTED_TABLES = frozenset(
    {
        "user_sessions",
        "recovery_codes",
        "api_tokens",
        "api_idempotency_keys",
        "audit_chain_links",
        "audit_checkpoints",
        "audit_signing_keys",
    }
)


def counted_tables(tables) -> tuple[str, ...]:
    """Return which of ``tables`` raise the data version, in a stable order."""
    return tuple(sorted(set(tables) - UNCOUNTED_TABLES))


def _trigger_name(table: str) -> str:
    return f"iisg_data_version_{table}"


def install_statements(dialect: str, tables) -> list[str]:
    """Return the SQL that creates the version and the triggers raising it on ``tables``."""
    statements = [
        f"CREATE TABLE IF NOT EXISTS {TABLE} ("
        " id INTEGER PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL)",
        f"INSERT INTO {TABLE} (id, version) SELECT 1, 0 WHERE NOT EXISTS (SELECT 1 FROM {TABLE})",
    ]
    if dialect == "postgresql":
        statements.append(
            f"""CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    IF coalesce(current_setting('{_RAISED}', true), '') = 'yes' THEN
        RETURN NULL;
    END IF;
    UPDATE {TABLE} SET version = version + 1;
    PERFORM set_config('{_RAISED}', 'yes', true);
    RETURN NULL;
END $$"""
        )
        statements += [f"REVOKE ALL ON FUNCTION {FUNCTION}() FROM PUBLIC"]
        for table in counted_tables(tables):
            name = _trigger_name(table)
            statements += [
                f"DROP TRIGGER IF EXISTS {name} ON {table}",
                f"CREATE CONSTRAINT TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE ON {table}"
                f" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()",
                f"DROP TRIGGER IF EXISTS {name}_truncate ON {table}",
                f"CREATE TRIGGER {name}_truncate AFTER TRUNCATE ON {table}"
                f" FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()",
            ]
        return statements
    for table in counted_tables(tables):
        for operation in ("insert", "update", "delete"):
            name = f"{_trigger_name(table)}_{operation}"
            statements += [
                f"DROP TRIGGER IF EXISTS {name}",
                f"CREATE TRIGGER {name} AFTER {operation.upper()} ON {table} FOR EACH ROW"
                f" BEGIN UPDATE {TABLE} SET version = version + 1; END",
            ]
    return statements


def grant_statements(app_role: str) -> list[str]:
    """Return the SQL letting the application role read the version, and nothing more."""
    return [
        f"DO $$ BEGIN IF to_regclass('public.{TABLE}') IS NOT NULL THEN"
        f' REVOKE ALL ON {TABLE} FROM "{app_role}";'
        f' GRANT SELECT ON {TABLE} TO "{app_role}"; END IF; END $$'
    ]


def uninstall_statements(dialect: str, tables) -> list[str]:
    """Return the SQL removing the triggers, the function and the version."""
    statements = []
    for table in counted_tables(tables):
        name = _trigger_name(table)
        if dialect == "postgresql":
            statements += [
                f"DROP TRIGGER IF EXISTS {name} ON {table}",
                f"DROP TRIGGER IF EXISTS {name}_truncate ON {table}",
            ]
        else:
            statements += [
                f"DROP TRIGGER IF EXISTS {name}_{operation}"
                for operation in ("insert", "update", "delete")
            ]
    if dialect == "postgresql":
        statements.append(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
    statements.append(f"DROP TABLE IF EXISTS {TABLE}")
    return statements


# --- Reading it -------------------------------------------------------------------------


def usable_version() -> int | None:
    """Return the data version as this transaction sees it, or None if it has written.

    A transaction that has changed anything sees its own changes, which are not part of
    any version (and may be rolled back): PostgreSQL gives a transaction an id at its
    first write, and SQLite's driver opens a transaction only to write.
    """
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        version, untouched = connection.execute(
            text(f"SELECT version, pg_current_xact_id_if_assigned() IS NULL FROM {TABLE}")
        ).one()
        return version if untouched else None
    if connection.connection.dbapi_connection.in_transaction:
        return None
    return connection.execute(text(f"SELECT version FROM {TABLE}")).scalar_one()
