"""Data versions: a number per table that every transaction changing it raises at commit.

A result computed from the records (a list's total, the analysis' gaps) is exactly what
computing it again would give for as long as the versions of the tables it read are
still the ones it was computed at. ``portal.kept_results`` keeps results on that
condition. One version per table, so that a change of a need leaves the responses'
totals kept.

The versions live in ``iisg_data_version`` (a row per table), raised by triggers on every
table ``counted_tables`` names:

- PostgreSQL: a deferred constraint trigger, so the raise happens at commit, once per
  transaction and table (a transaction-local setting remembers it), and is visible
  exactly when the changes are. The first raise of a transaction locks every row in one
  order, so two commits never wait for each other crosswise; the rows stay locked only
  for the instant of the commit. The function runs as the schema owner: the
  application role reads the versions but cannot set them.
- SQLite: a trigger per table and operation, raising it with every changed row (SQLite
  writes one transaction at a time anyway).

A transaction that has changed something itself sees data no other reader sees (and that
may yet be rolled back): ``usable_versions`` returns None for it, and nothing is kept.
docs/architecture.md explains the design, docs/benchmarks.md what it is worth.
"""

from __future__ import annotations

from sqlalchemy import text

from portal.extensions import db

TABLE = "iisg_data_version"
FUNCTION = "iisg_raise_data_version"
# Transaction-local settings: the rows are locked, and this table's version raised.
_SETTINGS = "iisg_data_version"

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
    }
)


def counted_tables(tables) -> tuple[str, ...]:
    """Return which of ``tables`` raise the data version, in a stable order."""
    return tuple(sorted(set(tables) - UNCOUNTED_TABLES))


def _trigger_name(table: str) -> str:
    return f"iisg_data_version_{table}"


def install_statements(dialect: str, tables) -> list[str]:
    """Return the SQL that creates the versions and the triggers raising them on ``tables``."""
    counted = counted_tables(tables)
    statements = [
        f"CREATE TABLE IF NOT EXISTS {TABLE} ("
        " table_name VARCHAR(63) PRIMARY KEY, version BIGINT NOT NULL)",
        *(
            f"INSERT INTO {TABLE} (table_name, version) SELECT '{table}', 0"
            f" WHERE NOT EXISTS (SELECT 1 FROM {TABLE} WHERE table_name = '{table}')"
            for table in counted
        ),
    ]
    if dialect == "postgresql":
        statements.append(
            f"""CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    IF coalesce(current_setting('{_SETTINGS}.' || TG_TABLE_NAME, true), '') = 'yes' THEN
        RETURN NULL;
    END IF;
    IF coalesce(current_setting('{_SETTINGS}.locked', true), '') <> 'yes' THEN
        PERFORM 1 FROM {TABLE} ORDER BY table_name FOR UPDATE;
        PERFORM set_config('{_SETTINGS}.locked', 'yes', true);
    END IF;
    UPDATE {TABLE} SET version = version + 1 WHERE table_name = TG_TABLE_NAME;
    PERFORM set_config('{_SETTINGS}.' || TG_TABLE_NAME, 'yes', true);
    RETURN NULL;
END $$"""
        )
        statements += [f"REVOKE ALL ON FUNCTION {FUNCTION}() FROM PUBLIC"]
        for table in counted:
            name = _trigger_name(table)
            statements += [
                f"DROP TRIGGER IF EXISTS {name} ON {table}",
                f"CREATE CONSTRAINT TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE ON {table}"
                f" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()",
                f"DROP TRIGGER IF EXISTS {name}_truncate ON {table}",
                f"CREATE TRIGGER {name}_truncate AFTER TRUNCATE ON {table}"
                f" FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()",
                # As the trail's capture: session_replication_role = replica (restores,
                # bulk loads) does not mute them.
                f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {name}",
                f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {name}_truncate",
            ]
        return statements
    for table in counted:
        for operation in ("insert", "update", "delete"):
            name = f"{_trigger_name(table)}_{operation}"
            statements += [
                f"DROP TRIGGER IF EXISTS {name}",
                f"CREATE TRIGGER {name} AFTER {operation.upper()} ON {table} FOR EACH ROW"
                f" BEGIN UPDATE {TABLE} SET version = version + 1"
                f" WHERE table_name = '{table}'; END",
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


def usable_versions() -> dict[str, int] | None:
    """Return each counted table's version as this transaction sees it, or None if it wrote.

    A transaction that has changed anything sees its own changes, which are not part of
    any version (and may be rolled back): PostgreSQL gives a transaction an id at its
    first write, and SQLite's driver opens a transaction only to write.
    """
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        rows = connection.execute(
            text(
                f"SELECT table_name, version, pg_current_xact_id_if_assigned() IS NULL FROM {TABLE}"
            )
        ).all()
        if not all(untouched for _, _, untouched in rows):
            return None
        return {table: version for table, version, _ in rows}
    if connection.connection.dbapi_connection.in_transaction:
        return None
    return dict(connection.execute(text(f"SELECT table_name, version FROM {TABLE}")).all())
