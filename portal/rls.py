"""PostgreSQL row-level security: the second, independent wall of tenancy (DESIGN §4).

The policies below mirror the visibility table that ``portal.tenancy`` applies in the
application. They read who is acting from transaction-local settings that every
transaction sets first (``set_config(..., true)``), so a pooled connection never carries
one request's identity into the next. With no settings at all a connection sees nothing
of the tenant-scoped tables; sign-in and the command line act as ``system``.

The declaration is the single source: the migration that installs the policies, and any
later one that changes them, generates its SQL from ``policies()`` of its generation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from audit import context as audit_context
from audit import triggers as audit_triggers
from portal.tenancy import Principal, current_principal


@dataclass(frozen=True)
class TablePolicy:
    """Who may read a table's rows, and who may write them (both besides the system)."""

    table: str
    read: str
    write: str
    # A table other policies consult must read without subqueries of its own: PostgreSQL
    # refuses to expand a policy with subqueries inside the expansion of the same table.
    read_without_subqueries: bool = False


_VISIBLE_NEEDS = "SELECT id FROM needs"
_VISIBLE_RESPONSES = "SELECT id FROM responses"
_OWN_RESPONSES = "SELECT id FROM responses WHERE tenant_id = iisg_tenant()"
_VISIBLE_USERS = "SELECT id FROM users"
_USER_ROWS = f"user_id IN ({_VISIBLE_USERS})"

# Who may read a need or a response, given the columns that hold what the rule asks:
# the record's own, or the copies a support link keeps of its two ends.
_READABLE_NEED = (
    "{tenant_id} = iisg_tenant() OR {status} IN ('validated', 'adopted')"
    " OR (iisg_in_secretariat() AND {status} <> 'draft')"
)
_READABLE_RESPONSE = (
    "{tenant_id} = iisg_tenant() OR ({record_status} = 'published' AND ("
    # An uncorrelated IN is hashed once per statement; EXISTS ran per response.
    "iisg_in_secretariat() OR {visibility} = 'members' OR {id} IN ("
    "SELECT beneficiary.response_id FROM response_beneficiaries AS beneficiary"
    " WHERE beneficiary.economy_id = iisg_economy())))"
)
_LINK_BY_COPIES = "({need}) AND ({response})".format(
    need=_READABLE_NEED.format(tenant_id="need_tenant_id", status="need_status"),
    response=_READABLE_RESPONSE.format(
        tenant_id="response_tenant_id",
        record_status="response_record_status",
        visibility="response_visibility",
        id="response_id",
    ),
)
_LINK_BY_ENDS = f"need_id IN ({_VISIBLE_NEEDS}) AND response_id IN ({_VISIBLE_RESPONSES})"

# The policies as each migration installed them, oldest first: as first written (the
# identity looked up for every row); the identity looked up once per statement; a
# support link judged by the copies of its ends (portal.link_ends) instead of by listing
# every readable need and response.
FIRST, IDENTITY_ONCE, LINK_COPIES = 1, 2, 3
LATEST = LINK_COPIES


def policies(generation: int = LATEST) -> tuple[TablePolicy, ...]:
    """Return the policies of every tenant-scoped table, as of ``generation``."""
    link = _LINK_BY_COPIES if generation >= LINK_COPIES else _LINK_BY_ENDS
    return (
        TablePolicy(
            "needs",
            read=_READABLE_NEED.format(tenant_id="tenant_id", status="status"),
            write="tenant_id = iisg_tenant() OR (iisg_in_secretariat() AND status <> 'draft')",
        ),
        TablePolicy(
            "need_acquis_chapters",
            read=f"need_id IN ({_VISIBLE_NEEDS})",
            write="need_id IN (SELECT id FROM needs WHERE tenant_id = iisg_tenant())",
        ),
        TablePolicy(
            "responses",
            read=_READABLE_RESPONSE.format(
                tenant_id="tenant_id",
                record_status="record_status",
                visibility="visibility",
                id="id",
            ),
            write="tenant_id = iisg_tenant()",
        ),
        TablePolicy(
            "response_pillars",
            read=f"response_id IN ({_VISIBLE_RESPONSES})",
            write=f"response_id IN ({_OWN_RESPONSES})",
        ),
        # Readable as bare pairs of ids: the responses policy consults this table, so it
        # must not consult responses in turn (PostgreSQL refuses the recursion).
        TablePolicy(
            "response_beneficiaries",
            read="true",
            write=f"response_id IN ({_OWN_RESPONSES})",
            read_without_subqueries=True,
        ),
        TablePolicy(
            "response_parties",
            read=f"response_id IN ({_VISIBLE_RESPONSES})",
            write=f"response_id IN ({_OWN_RESPONSES})",
        ),
        # Readable when both ends are; the database writes the copies, so the write
        # check refuses a link to a need or response the writer cannot read.
        TablePolicy("support_links", read=link, write=link),
        TablePolicy(
            "users",
            read="id = iisg_user() OR iisg_has_role('admin')"
            " OR (iisg_has_role('tenant_admin') AND tenant_id = iisg_tenant())",
            write="id = iisg_user() OR iisg_has_role('admin')"
            " OR (iisg_has_role('tenant_admin') AND tenant_id = iisg_tenant())",
        ),
        *(
            TablePolicy(table, read=_USER_ROWS, write=_USER_ROWS)
            for table in (
                "user_roles",
                "user_sessions",
                "recovery_codes",
                "invitations",
                "api_tokens",
            )
        ),
    )


POLICIES = policies()

# Tables every tenant reads in full (organisations, reference lists, cycles): no policy.
UNSCOPED_TABLES = frozenset(
    {
        "tenants",
        "pillars",
        "need_categories",
        "perspectives",
        "acquis_chapters",
        "partner_economies",
        "cycles",
    }
)

# The audit trail: auditors read their tenant's entries and chain (the Secretariat's read
# all); only the capture triggers and the sealer, acting as the system, write. Not
# FORCEd: the triggers write as the schema owner, whom these policies do not bind.
_AUDITED_TENANT = "iisg_has_role('auditor') AND (iisg_in_secretariat() OR {column} = iisg_tenant())"
AUDIT_POLICIES = (
    TablePolicy("audit_entries", read=_AUDITED_TENANT.format(column="tenant_id"), write="false"),
    TablePolicy("audit_chain_links", read=_AUDITED_TENANT.format(column="chain_id"), write="false"),
    TablePolicy("audit_checkpoints", read=_AUDITED_TENANT.format(column="chain_id"), write="false"),
    TablePolicy("audit_signing_keys", read="iisg_has_role('auditor')", write="false"),
)

_FUNCTIONS = """
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


def _policy_statements(policy: TablePolicy, *, force: bool, wrap=once_per_statement) -> list[str]:
    table = policy.table
    # Fail closed: a connection that has not said who is acting gets nothing, not
    # even what every tenant may read.
    read_wrap = str if policy.read_without_subqueries else wrap
    read = read_wrap(f"iisg_is_system() OR (iisg_tenant() IS NOT NULL AND ({policy.read}))")
    write = wrap(f"iisg_is_system() OR (iisg_tenant() IS NOT NULL AND ({policy.write}))")
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
        f"CREATE POLICY iisg_update ON {table} FOR UPDATE USING ({read}) WITH CHECK ({write})",
        f"CREATE POLICY iisg_delete ON {table} FOR DELETE USING ({write})",
    ]


def migration_app_role(bind, app_url: str) -> str | None:
    """Return the application's login role when it is not the role running migrations.

    Migrations grant the application's role its data privileges; when both are the same
    role (a single-role installation) there is nothing to grant.
    """
    app_user = make_url(app_url).username
    owner = bind.exec_driver_sql("SELECT current_user").scalar()
    return app_user if app_user and app_user != owner else None


def install_statements(app_role: str | None, generation: int = LATEST) -> list[str]:
    """Return the SQL that installs the functions, policies and the app role's grants.

    ``generation`` names the policies a migration installs (or restores when undone), so
    that old migrations keep installing what they did then.
    """
    statements = [_FUNCTIONS]
    wrap = once_per_statement if generation >= IDENTITY_ONCE else str
    for policy in policies(generation):
        statements += _policy_statements(policy, force=True, wrap=wrap)
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
        ]
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


def uninstall_statements() -> list[str]:
    """Return the SQL that removes the policies and functions again."""
    statements = []
    for policy in POLICIES:
        for name in ("read", "insert", "update", "delete"):
            statements.append(f"DROP POLICY IF EXISTS iisg_{name} ON {policy.table}")
        statements.append(f"ALTER TABLE {policy.table} NO FORCE ROW LEVEL SECURITY")
        statements.append(f"ALTER TABLE {policy.table} DISABLE ROW LEVEL SECURITY")
    for function in (
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


_SETTING_NAMES = {
    "mode": "mode",
    "tenant": "tenant_id",
    "user": "user_id",
    "economy": "economy_id",
    "kind": "tenant_kind",
    "roles": "roles",
}


def identity_parameters(principal: Principal | None) -> dict[str, str]:
    """Return the settings that tell the policies who is acting."""
    if principal is None:
        return {"mode": "system", "tenant": "", "user": "", "economy": "", "kind": "", "roles": ""}
    return {
        "mode": "principal",
        "tenant": str(principal.tenant_id),
        "user": str(principal.user_id),
        "economy": "" if principal.economy_id is None else str(principal.economy_id),
        "kind": principal.tenant_kind,
        "roles": ",".join(sorted(principal.roles)),
    }


def apply_identity(connection, principal: Principal | None) -> None:
    """Set the acting identity on a PostgreSQL connection, for its current transaction.

    The audit trail's context (who acts, from where, in which request) goes in the same
    statement: one round trip per transaction for both.
    """
    if connection.dialect.name == "postgresql":
        identity = identity_parameters(principal)
        settings = {f"iisg.{_SETTING_NAMES[name]}": value for name, value in identity.items()}
        settings.update(audit_context.postgres_settings())
        connection.execute(*audit_context.set_config_statement(settings))


@event.listens_for(Session, "after_begin")
def _identify_transaction(session, transaction, connection) -> None:
    apply_identity(connection, current_principal())
