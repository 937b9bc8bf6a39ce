"""PostgreSQL row-level security: the second, independent wall of tenancy.

The policies are generated from the visibility rules of the record-type registry
(``portal.record_types``), the same rules ``portal.tenancy`` applies in the application.
They read who is acting from transaction-local settings that every transaction sets
first (``portal.identity``), so a pooled connection never carries one request's identity
into the next. With no settings at all a connection sees nothing of the walled tables;
sign-in and the command line act as ``system``.

Each migration that installs policies names the registry's generation it installs, so
old migrations keep installing what they did then (docs/architecture.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.engine import make_url

from audit import triggers as audit_triggers
from portal import data_version, db_identity, full_text, record_types
from portal.record_types import (
    BENEFITS_BY_KEY,
    IDENTITY_ONCE,
    LOOKUP_BY_KEY,
    SIGNED_IDENTITY,
    UPDATE_OWN_ROWS,
    RecordType,
)
from portal.visibility import to_sql


@dataclass(frozen=True)
class TablePolicy:
    """Who may read a table's rows, and who may write them (both besides the system)."""

    table: str
    read: str
    write: str
    # A table other policies consult must read without subqueries of its own: PostgreSQL
    # refuses to expand a policy with subqueries inside the expansion of the same table.
    read_without_subqueries: bool = False


def policies(generation: int | None = None) -> tuple[TablePolicy, ...]:
    """Return the policies of every walled table, as of ``generation`` (default: now)."""
    # Asked of the module at call time, so a test can extend the registry.
    generation = record_types.REGISTRY.latest if generation is None else generation
    return tuple(_policy(item, generation) for item in record_types.REGISTRY.walled(generation))


def _policy(record_type: RecordType, generation: int | None = None) -> TablePolicy:
    generation = record_types.REGISTRY.latest if generation is None else generation
    signed = generation >= SIGNED_IDENTITY
    by_key = generation >= BENEFITS_BY_KEY
    options = {
        "benefits_by_function": signed,
        "table": record_type.table if generation >= LOOKUP_BY_KEY else None,
        "benefits_by_key": by_key,
        "owner_by_function": by_key and record_type.read_without_subqueries,
    }
    return TablePolicy(
        record_type.table,
        read=to_sql(record_type.read, **options),
        write=to_sql(record_type.write, **options),
        # Since the signed identity every lookup is once per statement (a per-row
        # signature check would be ruinous), which the function above makes possible.
        read_without_subqueries=record_type.read_without_subqueries and not signed,
    )


POLICIES = policies()

# Tables every tenant reads in full (organisations, reference lists, cycles): no policy.
UNSCOPED_TABLES = record_types.REGISTRY.shared_tables()

# The audit trail's policies are not FORCEd: the capture triggers write as the schema
# owner, whom these policies do not bind.
AUDIT_POLICIES = tuple(_policy(item) for item in record_types.REGISTRY.trail())

# Before SIGNED_IDENTITY: the settings are taken on trust.
_TRUSTED_FUNCTIONS = """
CREATE OR REPLACE FUNCTION iisg_setting(name text) RETURNS text
    LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting(name, true), '') $$;
CREATE OR REPLACE FUNCTION iisg_is_system() RETURNS boolean
    LANGUAGE sql STABLE AS $$ SELECT coalesce(iisg_setting('iisg.mode') = 'system', false) $$;
CREATE OR REPLACE FUNCTION iisg_tenant() RETURNS integer
    LANGUAGE sql STABLE AS $$ SELECT iisg_setting('iisg.tenant_id')::integer $$;
CREATE OR REPLACE FUNCTION iisg_user() RETURNS integer
    LANGUAGE sql STABLE AS $$ SELECT iisg_setting('iisg.user_id')::integer $$;
CREATE OR REPLACE FUNCTION iisg_economy() RETURNS integer
    LANGUAGE sql STABLE AS $$ SELECT iisg_setting('iisg.economy_id')::integer $$;
CREATE OR REPLACE FUNCTION iisg_in_secretariat() RETURNS boolean
    LANGUAGE sql STABLE AS
    $$ SELECT coalesce(iisg_setting('iisg.tenant_kind') = 'secretariat', false) $$;
CREATE OR REPLACE FUNCTION iisg_has_role(role text) RETURNS boolean
    LANGUAGE sql STABLE AS
    $$ SELECT coalesce(role = ANY(string_to_array(iisg_setting('iisg.roles'), ',')), false) $$;
"""


def _checked(name: str, returns: str, value: str, otherwise: str, argument: str = "") -> str:
    return f"""
CREATE OR REPLACE FUNCTION {name}({argument}) RETURNS {returns}
    LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF iisg_identity_verified() THEN
        RETURN {value};
    END IF;
    RETURN {otherwise};
END $$;"""


# Since SIGNED_IDENTITY: a principal is believed only when the portal signed it
# (``portal.db_identity``); the system also when the schema owner acts, who could switch
# row-level security off anyway (migrations, the owner's own trigger functions).
_SIGNED_FUNCTIONS = (
    """
CREATE OR REPLACE FUNCTION iisg_setting(name text) RETURNS text
    LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting(name, true), '') $$;
CREATE OR REPLACE FUNCTION iisg_is_system() RETURNS boolean
    LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF coalesce(iisg_setting('iisg.mode'), '') <> 'system' THEN
        RETURN false;
    END IF;
    RETURN iisg_owner_acting() OR iisg_identity_verified();
END $$;"""
    + _checked("iisg_tenant", "integer", "iisg_setting('iisg.tenant_id')::integer", "NULL")
    + _checked("iisg_user", "integer", "iisg_setting('iisg.user_id')::integer", "NULL")
    + _checked("iisg_economy", "integer", "iisg_setting('iisg.economy_id')::integer", "NULL")
    + _checked(
        "iisg_in_secretariat",
        "boolean",
        "coalesce(iisg_setting('iisg.tenant_kind') = 'secretariat', false)",
        "false",
    )
    + _checked(
        "iisg_has_role",
        "boolean",
        "coalesce(role = ANY(string_to_array(iisg_setting('iisg.roles'), ',')), false)",
        "false",
        "role text",
    )
    + """
CREATE OR REPLACE FUNCTION iisg_rows_benefiting(tablename text, keycolumn text,
                                                economycolumn text) RETURNS SETOF integer
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    -- A function, not a subquery of the policy: its query is walled when it runs.
    -- The table named in public: a caller's search_path (a temporary table of the same
    -- name comes first in it) has no say in what is read.
    RETURN QUERY EXECUTE format('SELECT %I FROM public.%I WHERE %I = $1',
                                keycolumn, tablename, economycolumn)
        USING iisg_economy();
END $$;
"""
)


# Since BENEFITS_BY_KEY: whether the row of ``tablename`` with id ``key`` belongs to the
# acting tenant, asked when a row of a table other policies consult is written. A
# function, so that the policy naming it names no table: the query runs walled, as the
# caller, and only for the rows written.
_KEYED_FUNCTIONS = """
CREATE OR REPLACE FUNCTION iisg_owns_row(tablename text, key integer) RETURNS boolean
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    found boolean;
BEGIN
    -- The table named in public, as in iisg_rows_benefiting; and the built-in operators
    -- and functions first, whatever the caller's search_path puts before them (an
    -- operator "=" of its own in a schema it may create in).
    EXECUTE format('SELECT EXISTS (SELECT FROM public.%I WHERE id = $1 AND tenant_id = $2)',
                   tablename)
        INTO found USING key, iisg_tenant();
    RETURN found;
END $$;
"""


def functions(generation: int) -> str:
    """Return the SQL of the identity lookups the policies of ``generation`` call."""
    if generation < SIGNED_IDENTITY:
        return _TRUSTED_FUNCTIONS
    return _SIGNED_FUNCTIONS + (_KEYED_FUNCTIONS if generation >= BENEFITS_BY_KEY else "")


_SETTING_CALL = re.compile(
    r"\biisg_(?:is_system|tenant|user|economy|in_secretariat)\(\)|"
    r"\biisg_has_role\('[a-z_]+'\)"
)


def once_per_statement(condition: str) -> str:
    """Return ``condition`` with each identity lookup made a scalar subquery.

    PostgreSQL calls a function in a policy once per row it checks; an uncorrelated
    ``(SELECT iisg_tenant())`` is an InitPlan, evaluated once per statement. On a table
    of 100,000 needs that is the difference between milliseconds and a tenth of a second.
    """
    return _SETTING_CALL.sub(lambda match: f"(SELECT {match.group(0)})", condition)


def _policy_statements(
    policy: TablePolicy, *, force: bool, wrap=once_per_statement, update_own_rows: bool = False
) -> list[str]:
    table = policy.table
    # Fail closed: a connection that has not said who is acting gets nothing, not
    # even what every tenant may read.
    read_wrap = str if policy.read_without_subqueries else wrap
    read = read_wrap(f"iisg_is_system() OR (iisg_tenant() IS NOT NULL AND ({policy.read}))")
    write = wrap(f"iisg_is_system() OR (iisg_tenant() IS NOT NULL AND ({policy.write}))")
    # Since UPDATE_OWN_ROWS a row is changed only by who may write it as it is, not only
    # as it becomes: otherwise a row everyone reads (a response's beneficiary) could be
    # moved by anyone onto a record of their own, taking it from its owner.
    updated = f"({read}) AND ({write})" if update_own_rows else read
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        # FORCE: the policies bind the table's owner too, so an installation that
        # runs everything as one role is still walled.
        f"ALTER TABLE {table} {'FORCE' if force else 'NO FORCE'} ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS iisg_read ON {table}",
        f"DROP POLICY IF EXISTS iisg_insert ON {table}",
        f"DROP POLICY IF EXISTS iisg_update ON {table}",
        f"DROP POLICY IF EXISTS iisg_delete ON {table}",
        f"CREATE POLICY iisg_read ON {table} FOR SELECT USING ({read})",
        f"CREATE POLICY iisg_insert ON {table} FOR INSERT WITH CHECK ({write})",
        f"CREATE POLICY iisg_update ON {table} FOR UPDATE USING ({updated}) WITH CHECK ({write})",
        f"CREATE POLICY iisg_delete ON {table} FOR DELETE USING ({write})",
    ]


# Since SIGNED_IDENTITY the tables every tenant reads in full are written only by a
# signed identity too: the application role's password alone must not change an
# organisation's kind or economy, which the portal then signs for its users.
_SIGNED = "(SELECT iisg_is_system()) OR (SELECT iisg_tenant()) IS NOT NULL"


def shared_install_statements(generation: int | None = None) -> list[str]:
    """Return the SQL letting anyone read the shared tables but only the signed write them."""
    generation = record_types.REGISTRY.latest if generation is None else generation
    if generation < SIGNED_IDENTITY:
        return []
    statements = []
    for table in sorted(record_types.REGISTRY.shared_tables(generation)):
        statements += [
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
            *(f"DROP POLICY IF EXISTS iisg_{name} ON {table}" for name in _POLICY_NAMES),
            f"CREATE POLICY iisg_read ON {table} FOR SELECT USING (true)",
            f"CREATE POLICY iisg_insert ON {table} FOR INSERT WITH CHECK ({_SIGNED})",
            f"CREATE POLICY iisg_update ON {table} FOR UPDATE USING ({_SIGNED})"
            f" WITH CHECK ({_SIGNED})",
            f"CREATE POLICY iisg_delete ON {table} FOR DELETE USING ({_SIGNED})",
        ]
    return statements


def shared_uninstall_statements(generation: int | None = None) -> list[str]:
    """Return the SQL opening the shared tables to every writer again (going down)."""
    statements = []
    for table in sorted(record_types.REGISTRY.shared_tables(generation)):
        statements += [f"DROP POLICY IF EXISTS iisg_{name} ON {table}" for name in _POLICY_NAMES]
        statements += [
            f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY",
            f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
        ]
    return statements


_POLICY_NAMES = ("read", "insert", "update", "delete")


def migration_app_role(bind, app_url: str) -> str | None:
    """Return the application's login role when it is not the role running migrations.

    Migrations grant the application's role its data privileges; when both are the same
    role (a single-role installation) there is nothing to grant.
    """
    app_user = make_url(app_url).username
    owner = bind.exec_driver_sql("SELECT current_user").scalar()
    return app_user if app_user and app_user != owner else None


def migration_install_statements(bind, app_url: str, generation: int) -> list[str]:
    """Return what a migration runs to install the walls of ``generation`` (PostgreSQL).

    Nothing on SQLite, which has no row-level security.
    """
    if bind.dialect.name != "postgresql":
        return []
    return install_statements(migration_app_role(bind, app_url), generation)


def install_statements(app_role: str | None, generation: int | None = None) -> list[str]:
    """Return the SQL that installs the functions, policies and the app role's grants.

    ``generation`` names the policies a migration installs (or restores when undone), so
    that old migrations keep installing what they did then.
    """
    generation = record_types.REGISTRY.latest if generation is None else generation
    statements = [functions(generation)]
    wrap = once_per_statement if generation >= IDENTITY_ONCE else str
    for policy in policies(generation):
        statements += _policy_statements(
            policy, force=True, wrap=wrap, update_own_rows=generation >= UPDATE_OWN_ROWS
        )
    statements += shared_install_statements(generation)
    if app_role:
        role = f'"{app_role}"'
        statements += [
            f"GRANT USAGE ON SCHEMA public TO {role}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
            f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {role}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
            f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {role}",
            # Granting on all tables must not hand the audit trail's tables back.
            *(
                f"DO $$ BEGIN IF to_regclass('audit_entries') IS NOT NULL THEN {grant}; END IF;"
                " END $$"
                for grant in audit_triggers.postgres_grants(app_role)
            ),
            # Nor the key identity signatures are checked with.
            db_identity.revoke_statement(app_role),
            # Nor the words of every record, which the search reads as the owner.
            full_text.revoke_statement(app_role),
        ]
        if generation >= UPDATE_OWN_ROWS:
            # Nor the data versions to advance: they are read only.
            statements.append(data_version.narrow_statement(app_role))
    if generation >= UPDATE_OWN_ROWS:
        # A role that may create objects in public could put an operator or function of
        # its own before the built-in ones in what the portal's functions run (PostgreSQL
        # 14 and older let everyone; 15 only the database's owner).
        statements.append("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    return statements


def audit_install_statements(app_role: str | None) -> list[str]:
    """Return the SQL walling the audit trail's tables, and the app role's grants on them."""
    statements = []
    for policy in AUDIT_POLICIES:
        statements += _policy_statements(policy, force=False)
    if app_role:
        statements += audit_triggers.postgres_grants(app_role)
    return statements


def audit_uninstall_statements() -> list[str]:
    """Return the SQL removing the audit trail's policies."""
    statements = []
    for policy in AUDIT_POLICIES:
        for name in ("read", "insert", "update", "delete"):
            statements.append(f"DROP POLICY IF EXISTS iisg_{name} ON {policy.table}")
        statements.append(f"ALTER TABLE {policy.table} DISABLE ROW LEVEL SECURITY")
    return statements


def uninstall_statements(generation: int | None = None) -> list[str]:
    """Return the SQL that removes the policies of ``generation`` and the functions."""
    statements = []
    for policy in policies(generation):
        for name in ("read", "insert", "update", "delete"):
            statements.append(f"DROP POLICY IF EXISTS iisg_{name} ON {policy.table}")
        statements.append(f"ALTER TABLE {policy.table} NO FORCE ROW LEVEL SECURITY")
        statements.append(f"ALTER TABLE {policy.table} DISABLE ROW LEVEL SECURITY")
    for function in (
        "iisg_owns_row(text, integer)",
        "iisg_has_role(text)",
        "iisg_in_secretariat()",
        "iisg_economy()",
        "iisg_user()",
        "iisg_tenant()",
        "iisg_is_system()",
        "iisg_setting(text)",
    ):
        statements.append(f"DROP FUNCTION IF EXISTS {function}")
    return statements
