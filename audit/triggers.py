"""Capture triggers, generated for PostgreSQL and SQLite from one declaration.

Every audited table gets AFTER triggers that write one ``audit_entries`` row per
inserted, updated or deleted row (and, on PostgreSQL, one per TRUNCATE), whatever
issued the change: the ORM, Core, bulk statements, raw SQL, a psql session, a foreign
key cascade. An UPDATE that changes nothing but bookkeeping or derived columns writes
nothing; derived columns are left out of the images too.

PostgreSQL: one generated PL/pgSQL function per table, ``SECURITY DEFINER`` (the
application's role cannot write the trail itself) with a fixed ``search_path``, and the
triggers ``ENABLE ALWAYS`` so ``session_replication_role`` cannot mute them. Who acts
comes from transaction-local settings (``audit.*``, see ``audit.context``); without
them the entry names the database user and client address.

SQLite: AFTER INSERT/UPDATE/DELETE triggers writing ``json_object(...)`` images. They
call functions that only the application registers on its connections
(``audit.context.register_sqlite_functions``), so a connection without them cannot
write an audited table at all.

The audit tables themselves refuse UPDATE, DELETE and TRUNCATE on both databases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import inspect, text

from audit import tables
from audit.canonical import ENTRY_FIELDS
from audit.declaration import Audited, Declaration, OwnColumn, ParentRow, Platform

REDACTED = "[redacted]"
CAPTURE_TRIGGER = "audit_capture"
_ENTRY_COLUMNS = (
    "tenant_id, transaction_id, recorded_at, table_name, row_key, operation,"
    " old_row, new_row, changed_columns, actor_id, actor_kind, actor_label,"
    " actor_tenant_id, request_id, client_address, reason"
)


@dataclass(frozen=True)
class TableShape:
    """What the generators need to know of a table as it stands in the database."""

    name: str
    key: tuple[str, ...]
    columns: tuple[str, ...]
    binary: frozenset[str] = frozenset()


def shapes_from_database(bind, declaration: Declaration) -> dict[str, TableShape]:
    """Read the shape of every audited table from the live database."""
    inspector = inspect(bind)
    shapes = {}
    for item in declaration.audited:
        columns = inspector.get_columns(item.table)
        key = tuple(inspector.get_pk_constraint(item.table)["constrained_columns"])
        binary = frozenset(
            column["name"]
            for column in columns
            if getattr(column["type"], "python_type", None) is bytes
            or type(column["type"]).__name__ in {"BLOB", "BYTEA", "LargeBinary", "_Binary"}
        )
        shapes[item.table] = TableShape(
            item.table, key, tuple(column["name"] for column in columns), binary
        )
    return shapes


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _check_names(declaration: Declaration, shapes: dict[str, TableShape]) -> None:
    for item in declaration.audited:
        shape = shapes[item.table]
        # A derived column a table does not have yet is not there to leave out: the
        # migrations that ran before it was added still install.
        unknown = set(item.redacted + item.bookkeeping) - set(shape.columns)
        if unknown:
            raise ValueError(f"{item.table}: no such columns {sorted(unknown)}")


# --- PostgreSQL ---------------------------------------------------------------------

_SETTING_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_setting(name text) RETURNS text
    LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting(name, true), '') $$;
"""

_STRICT_REFUSAL = """
            RAISE EXCEPTION 'audit strict mode: a change with no actor is refused'
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'Set audit.actor_kind (the application does) for the transaction.';"""

_OUTSIDE_ACTOR = """
        -- A change from outside the application: name the database user and client.
        actor_kind := 'db';
        actor_label := session_user;
        client_address := coalesce(host(inet_client_addr()), 'local');
        reason := audit_setting('audit.reason');
        RETURN;"""

_NAMED_ACTOR = """
    actor_id := audit_setting('audit.actor_id')::integer;
    actor_label := audit_setting('audit.actor_label');
    actor_tenant_id := audit_setting('audit.actor_tenant_id')::integer;
    request_id := audit_setting('audit.request_id');
    client_address := audit_setting('audit.client_address');
    reason := audit_setting('audit.reason');"""

_ACTOR_SIGNATURE = """
CREATE OR REPLACE FUNCTION audit_actor(
    OUT actor_id integer, OUT actor_kind text, OUT actor_label text,
    OUT actor_tenant_id integer, OUT request_id text, OUT client_address text,
    OUT reason text)
    LANGUAGE plpgsql STABLE AS $$"""

# Any client may set the ``audit.*`` settings: the actor they name is taken on trust.
_ACTOR_TRUSTED = f"""{_ACTOR_SIGNATURE}
BEGIN
    actor_kind := audit_setting('audit.actor_kind');
    IF actor_kind IS NULL THEN
        IF audit_setting('audit.strict') = 'on' THEN{_STRICT_REFUSAL}
        END IF;{_OUTSIDE_ACTOR}
    END IF;{_NAMED_ACTOR}
END $$;
"""

# The installer checks the identity: an actor is named only by the application.
_ACTOR_CHECKED = f"""{_ACTOR_SIGNATURE}
BEGIN
    actor_kind := audit_setting('audit.actor_kind');
    IF actor_kind IS NULL THEN
        IF audit_strict_required() THEN{_STRICT_REFUSAL}
        END IF;{_OUTSIDE_ACTOR}
    END IF;
    IF NOT audit_identity_verified() THEN
        RAISE EXCEPTION 'an actor named without the application''s signature is refused'
            USING ERRCODE = 'insufficient_privilege';
    END IF;{_NAMED_ACTOR}
END $$;
"""

_TRUNCATE_AND_GUARD = f"""
CREATE OR REPLACE FUNCTION audit_capture_truncate() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO audit_entries ({_ENTRY_COLUMNS})
    SELECT NULL, pg_current_xact_id()::text::bigint, clock_timestamp(), TG_TABLE_NAME,
           NULL, 'T', NULL, NULL, NULL, actor.*
      FROM audit_actor() AS actor;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    -- The owner of the trail (and a superuser) could drop this trigger anyway; letting
    -- them through keeps repairs possible, and verification shows what they changed.
    -- Names qualified: a caller's temporary table named pg_class must not answer.
    IF pg_catalog.pg_has_role(
           current_user,
           (SELECT relowner FROM pg_catalog.pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;
"""


def _record_event(checked: bool) -> str:
    permitted = (
        """
    IF NOT audit_event_permitted(subject_tenant) THEN
        RAISE EXCEPTION 'a security event for tenant % is refused to this identity',
            subject_tenant USING ERRCODE = 'insufficient_privilege';
    END IF;"""
        if checked
        else ""
    )
    return f"""
CREATE OR REPLACE FUNCTION audit_record_event(
    event_name text, subject_tenant integer, details jsonb) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN{permitted}
    INSERT INTO audit_entries ({_ENTRY_COLUMNS}, event)
    SELECT subject_tenant, pg_current_xact_id()::text::bigint, clock_timestamp(), NULL,
           NULL, 'E', NULL, details, NULL, actor.*, event_name
      FROM audit_actor() AS actor;
END $$;
"""


def postgres_common_statements(declaration: Declaration) -> list[str]:
    """Return the functions every capture trigger shares, as ``declaration`` wants them.

    With ``checked_identity`` the actor is read only when the installer's
    ``audit_identity_verified()`` vouches for the settings, strict mode is what
    ``audit_strict_required()`` says (a setting no session can switch off), and an
    event is recorded only for a tenant ``audit_event_permitted(tenant)`` allows.
    """
    checked = declaration.checked_identity
    return [
        _SETTING_FUNCTION,
        _ACTOR_CHECKED if checked else _ACTOR_TRUSTED,
        _TRUNCATE_AND_GUARD,
        _record_event(checked),
    ]


def _tenant(rule, record: str, as_text) -> str:
    """Return the SQL naming the tenant of ``record`` (``as_text`` casts a key to text)."""
    if isinstance(rule, Platform):
        return "NULL"
    if isinstance(rule, OwnColumn):
        return f"{record}.{_quote(rule.column)}"
    if isinstance(rule, ParentRow):
        parent_key = f"{record}.{_quote(rule.foreign_key)}"
        # The parent may already be gone (a cascade deletes children after it): then
        # the tenant its own last entry named.
        return (
            f"coalesce((SELECT {_quote(rule.tenant_column)} FROM {_quote(rule.table)}"
            f" WHERE {_quote(rule.key)} = {parent_key}),"
            f" (SELECT previous.tenant_id FROM audit_entries AS previous"
            f" WHERE previous.table_name = {_literal(rule.table)}"
            f" AND previous.row_key = {as_text(parent_key)}"
            f" ORDER BY previous.id DESC LIMIT 1))"
        )
    raise TypeError(rule)


def _postgres_tenant(rule, record: str) -> str:
    return _tenant(rule, record, lambda key: f"{key}::text")


def _postgres_row_key(shape: TableShape, record: str) -> str:
    return " || '/' || ".join(f"{record}.{_quote(column)}::text" for column in shape.key)


def _postgres_redaction(item: Audited, record: str) -> str:
    if not item.redacted:
        return ""
    pairs = ", ".join(
        f"{_literal(column)}, CASE WHEN {record}.{_quote(column)} IS NULL THEN NULL"
        f" ELSE {_literal(REDACTED)} END"
        for column in item.redacted
    )
    return f" || jsonb_build_object({pairs})"


def _postgres_image(item: Audited, record: str) -> str:
    if not item.derived:
        return f"to_jsonb({record})"
    listed = ", ".join(_literal(column) for column in item.derived)
    return f"(to_jsonb({record}) - ARRAY[{listed}]::text[])"


def _postgres_function(item: Audited, shape: TableShape) -> str:
    name = _quote(f"audit_capture_{item.table}")
    skipped = ""
    if item.bookkeeping:
        listed = ", ".join(_literal(column) for column in item.bookkeeping)
        skipped = f" AND changed.key NOT IN ({listed})"
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    subject record;
    old_image jsonb;
    new_image jsonb;
    changed_columns jsonb;
BEGIN
    IF TG_OP = 'DELETE' THEN subject := OLD; ELSE subject := NEW; END IF;
    IF TG_OP <> 'INSERT' THEN old_image := {_postgres_image(item, "OLD")}; END IF;
    IF TG_OP <> 'DELETE' THEN new_image := {_postgres_image(item, "NEW")}; END IF;
    IF TG_OP = 'UPDATE' THEN
        SELECT jsonb_agg(changed.key ORDER BY changed.key) INTO changed_columns
          FROM jsonb_each(new_image) AS changed
         WHERE changed.value IS DISTINCT FROM old_image -> changed.key{skipped};
        IF changed_columns IS NULL THEN
            RETURN NULL;
        END IF;
        new_image := new_image{_postgres_redaction(item, "NEW")};
    ELSIF TG_OP = 'INSERT' THEN
        new_image := new_image{_postgres_redaction(item, "NEW")};
    END IF;
    IF old_image IS NOT NULL THEN
        old_image := old_image{_postgres_redaction(item, "OLD")};
    END IF;
    INSERT INTO audit_entries ({_ENTRY_COLUMNS})
    SELECT {_postgres_tenant(item.tenant, "subject")}, pg_current_xact_id()::text::bigint,
           clock_timestamp(), TG_TABLE_NAME, {_postgres_row_key(shape, "subject")},
           left(TG_OP, 1), old_image, new_image, changed_columns, actor.*
      FROM audit_actor() AS actor;
    RETURN NULL;
END $$;
"""


def _postgres_guards() -> list[str]:
    statements = []
    for table in sorted(tables.TABLE_NAMES):
        quoted = _quote(table)
        statements += [
            f"DROP TRIGGER IF EXISTS audit_append_only ON {quoted}",
            f"DROP TRIGGER IF EXISTS audit_append_only_truncate ON {quoted}",
            f"CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON {quoted}"
            " FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()",
            f"CREATE TRIGGER audit_append_only_truncate BEFORE TRUNCATE ON {quoted}"
            " FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()",
            f"ALTER TABLE {quoted} ENABLE ALWAYS TRIGGER audit_append_only",
            f"ALTER TABLE {quoted} ENABLE ALWAYS TRIGGER audit_append_only_truncate",
        ]
    return statements


def postgres_capture_statements(item: Audited, shape: TableShape) -> list[str]:
    """Return the SQL that (re)installs the capture of one table on PostgreSQL."""
    table = _quote(item.table)
    function = _quote(f"audit_capture_{item.table}")
    return [
        _postgres_function(item, shape),
        f"DROP TRIGGER IF EXISTS {CAPTURE_TRIGGER} ON {table}",
        f"DROP TRIGGER IF EXISTS {CAPTURE_TRIGGER}_truncate ON {table}",
        f"CREATE TRIGGER {CAPTURE_TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON {table}"
        f" FOR EACH ROW EXECUTE FUNCTION {function}()",
        f"CREATE TRIGGER {CAPTURE_TRIGGER}_truncate AFTER TRUNCATE ON {table}"
        " FOR EACH STATEMENT EXECUTE FUNCTION audit_capture_truncate()",
        # ALWAYS: fires even under session_replication_role = replica.
        f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {CAPTURE_TRIGGER}",
        f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {CAPTURE_TRIGGER}_truncate",
    ]


def postgres_grants(app_role: str) -> list[str]:
    """Return the privileges of the application's role on the audit tables.

    It reads them (row-level security narrows what it sees), adds chain links,
    checkpoints and keys when sealing, and records events only through
    ``audit_record_event``; it can change or remove nothing.
    """
    role = _quote(app_role)
    statements = []
    for table in sorted(tables.TABLE_NAMES):
        statements += [
            f"REVOKE ALL ON {_quote(table)} FROM {role}",
            f"GRANT SELECT ON {_quote(table)} TO {role}",
        ]
    for table in ("audit_chain_links", "audit_checkpoints", "audit_signing_keys"):
        statements.append(f"GRANT INSERT ON {_quote(table)} TO {role}")
    statements += [
        f"GRANT USAGE ON SEQUENCE audit_checkpoints_id_seq TO {role}",
        f"REVOKE ALL ON SEQUENCE audit_entries_id_seq FROM {role}",
        "REVOKE ALL ON FUNCTION audit_record_event(text, integer, jsonb) FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION audit_record_event(text, integer, jsonb) TO {role}",
    ]
    return statements


# --- SQLite -------------------------------------------------------------------------


def _sqlite_value(item: Audited, shape: TableShape, record: str, column: str) -> str:
    value = f"{record}.{_quote(column)}"
    if column in item.redacted:
        return f"CASE WHEN {value} IS NULL THEN NULL ELSE {_literal(REDACTED)} END"
    if column in shape.binary:
        # JSON holds no bytes: their hexadecimal spelling.
        return f"hex({value})"
    return value


def _sqlite_image(item: Audited, shape: TableShape, record: str) -> str:
    pairs = ", ".join(
        f"{_literal(column)}, {_sqlite_value(item, shape, record, column)}"
        for column in shape.columns
        if column not in item.derived
    )
    return f"json_object({pairs})"


def _sqlite_tenant(rule, record: str) -> str:
    return _tenant(rule, record, lambda key: f"CAST({key} AS TEXT)")


def _sqlite_row_key(shape: TableShape, record: str) -> str:
    return " || '/' || ".join(f"CAST({record}.{_quote(column)} AS TEXT)" for column in shape.key)


# Who acted, in the order of the entry's columns; the reason comes last.
_ACTOR_NAMES = (
    "actor_id",
    "actor_kind",
    "actor_label",
    "actor_tenant_id",
    "request_id",
    "client_address",
)
# Everything the context gives an entry: who acted, then why.
_CONTEXT_FIELDS = (*_ACTOR_NAMES, "reason")


def _sqlite_context_values(names=_CONTEXT_FIELDS) -> str:
    return ", ".join(f"audit_context({_literal(name)})" for name in names)


def _sqlite_authenticated_insert(values: dict[str, str]) -> str:
    """Return an INSERT of one entry and its MAC, from SQL giving each field's value.

    Each value is computed once, in a subquery without a FROM clause (which SQLite never
    flattens into the outer query), so the MAC covers exactly what is stored: ``audit_now``
    is not called twice. The id is given explicitly - the one SQLite would choose, the
    highest plus one - so that the MAC binds the entry to it, and a genuine entry cannot
    be copied under another id.
    """
    values = {
        "id": "(SELECT coalesce(max(id), 0) + 1 FROM audit_entries)",
        **values,
        **{name: f"audit_context({_literal(name)})" for name in _CONTEXT_FIELDS},
    }
    computed = ", ".join(f"{values[name]} AS {name}" for name in ENTRY_FIELDS)
    fields = ", ".join(f"entry.{name}" for name in ENTRY_FIELDS)
    return (
        f"INSERT INTO audit_entries ({', '.join(ENTRY_FIELDS)}, mac)"
        f" SELECT {fields}, audit_mac({fields}) FROM (SELECT {computed}) AS entry"
    )


def sqlite_event_statement() -> str:
    """Return the SQL recording a security event on SQLite, with its MAC.

    Its parameters are ``:event``, ``:tenant`` (the chain) and ``:details`` (JSON text):
    SQLite's counterpart of PostgreSQL's ``audit_record_event``.
    """
    return _sqlite_authenticated_insert(
        {
            "tenant_id": ":tenant",
            "transaction_id": "audit_transaction_id()",
            "recorded_at": "audit_now()",
            "table_name": "NULL",
            "row_key": "NULL",
            "operation": "'E'",
            "old_row": "NULL",
            "new_row": ":details",
            "changed_columns": "NULL",
            "event": ":event",
        }
    )


def sqlite_capture_statements(item: Audited, shape: TableShape, *, mac: bool = True) -> list[str]:
    """Return the SQL that (re)installs the capture of one table on SQLite.

    ``mac``: each entry carries its MAC (``audit.mac``); False gives the triggers as they
    were before ``audit_entries`` had the column.
    """
    table = _quote(item.table)
    watched = [
        column
        for column in shape.columns
        if column not in item.bookkeeping and column not in item.derived
    ]
    differs = " OR ".join(f"OLD.{_quote(c)} IS NOT NEW.{_quote(c)}" for c in watched)
    changed = " UNION ALL ".join(
        f"SELECT {_literal(c)} AS name WHERE OLD.{_quote(c)} IS NOT NEW.{_quote(c)}"
        for c in watched
    )
    context = _sqlite_context_values()

    def insert(operation, tenant, key, old_image, new_image, changed_columns):
        refuse = (
            "SELECT RAISE(ABORT, 'audit strict mode: a change with no actor is refused')"
            " WHERE audit_refused(); "
        )
        if not mac:
            return (
                f"{refuse}INSERT INTO audit_entries ({_ENTRY_COLUMNS}) VALUES ({tenant},"
                f" audit_transaction_id(), audit_now(), {_literal(item.table)}, {key},"
                f" '{operation}', {old_image}, {new_image}, {changed_columns}, {context});"
            )
        authenticated = _sqlite_authenticated_insert(
            {
                "tenant_id": tenant,
                "transaction_id": "audit_transaction_id()",
                "recorded_at": "audit_now()",
                "table_name": _literal(item.table),
                "row_key": key,
                "operation": f"'{operation}'",
                "old_row": old_image,
                "new_row": new_image,
                "changed_columns": changed_columns,
                "event": "NULL",
            }
        )
        return f"{refuse}{authenticated};"

    names = {op: _quote(f"{CAPTURE_TRIGGER}_{item.table}_{op}") for op in ("I", "U", "D")}
    return [
        *(f"DROP TRIGGER IF EXISTS {name}" for name in names.values()),
        f"CREATE TRIGGER {names['I']} AFTER INSERT ON {table} BEGIN "
        + insert(
            "I",
            _sqlite_tenant(item.tenant, "NEW"),
            _sqlite_row_key(shape, "NEW"),
            "NULL",
            _sqlite_image(item, shape, "NEW"),
            "NULL",
        )
        + " END",
        f"CREATE TRIGGER {names['U']} AFTER UPDATE ON {table} WHEN {differs} BEGIN "
        + insert(
            "U",
            _sqlite_tenant(item.tenant, "NEW"),
            _sqlite_row_key(shape, "NEW"),
            _sqlite_image(item, shape, "OLD"),
            _sqlite_image(item, shape, "NEW"),
            f"(SELECT json_group_array(name) FROM (SELECT name FROM ({changed}) ORDER BY name))",
        )
        + " END",
        f"CREATE TRIGGER {names['D']} AFTER DELETE ON {table} BEGIN "
        + insert(
            "D",
            _sqlite_tenant(item.tenant, "OLD"),
            _sqlite_row_key(shape, "OLD"),
            _sqlite_image(item, shape, "OLD"),
            "NULL",
            "NULL",
        )
        + " END",
    ]


def _sqlite_guards() -> list[str]:
    statements = []
    for table in sorted(tables.TABLE_NAMES):
        for operation in ("update", "delete"):
            name = _quote(f"{table}_append_only_{operation}")
            statements += [
                f"DROP TRIGGER IF EXISTS {name}",
                f"CREATE TRIGGER {name} BEFORE {operation.upper()} ON {_quote(table)} BEGIN"
                f" SELECT RAISE(ABORT, 'the audit trail is append-only:"
                f" {operation.upper()} on {table} refused'); END",
            ]
    return statements


# --- Both ---------------------------------------------------------------------------


def row_alias(shape: TableShape) -> str:
    """Return an alias for the table's rows in a query that no column of it is named.

    PostgreSQL reads ``to_jsonb(alias)`` as the whole row only when no column bears
    that name; otherwise it would be the column's value.
    """
    alias = "subject"
    while alias in shape.columns:
        alias += "_row"
    return alias


def row_image_sql(dialect: str, item: Audited, shape: TableShape, record: str) -> str:
    """Return the SQL of the image the capture writes of ``record``, a row of the table.

    ``record`` names the row: ``NEW`` or ``OLD`` inside a trigger, a table's alias in a
    query. The expression is built from the very pieces the triggers are (derived
    columns left out, secrets redacted, each database's own forms), so an image computed
    now equals the one the capture would write of the row as it is.
    """
    if dialect == "postgresql":
        return _postgres_image(item, record) + _postgres_redaction(item, record)
    return _sqlite_image(item, shape, record)


def row_key_sql(dialect: str, shape: TableShape, record: str) -> str:
    """Return the SQL of the ``row_key`` the capture writes of ``record``."""
    if dialect == "postgresql":
        return _postgres_row_key(shape, record)
    return _sqlite_row_key(shape, record)


def tenant_sql(dialect: str, item: Audited, record: str) -> str:
    """Return the SQL of the ``tenant_id`` (the chain) the capture writes of ``record``."""
    if dialect == "postgresql":
        return _postgres_tenant(item.tenant, record)
    return _sqlite_tenant(item.tenant, record)


def _baseline_statement(dialect: str, item: Audited, shape: TableShape, reason: str) -> str:
    subject = row_alias(shape)
    key = row_key_sql(dialect, shape, subject)
    if dialect == "postgresql":
        moment = "pg_current_xact_id()::text::bigint, clock_timestamp()"
        actor = ", ".join(f"actor.{name}" for name in _ACTOR_NAMES)
        source = f"{_quote(item.table)} AS {subject}, audit_actor() AS actor"
    else:
        moment = "audit_transaction_id(), audit_now()"
        actor = _sqlite_context_values(_ACTOR_NAMES)
        source = f"{_quote(item.table)} AS {subject}"
    order = ", ".join(f"{subject}.{_quote(column)}" for column in shape.key)
    return (
        f"INSERT INTO audit_entries ({_ENTRY_COLUMNS})"
        f" SELECT {tenant_sql(dialect, item, subject)}, {moment}, {_literal(item.table)},"
        f" {key}, 'I', NULL, {row_image_sql(dialect, item, shape, subject)}, NULL, {actor},"
        f" {_literal(reason)}"
        f" FROM {source}"
        " WHERE NOT EXISTS (SELECT 1 FROM audit_entries AS recorded"
        f" WHERE recorded.table_name = {_literal(item.table)} AND recorded.row_key = {key})"
        f" ORDER BY {order}"
    )


def baseline_statements(
    bind, declaration: Declaration, reason: str, *, only: tuple[str, ...] | None = None
) -> list[str]:
    """Return the SQL recording every audited row that no entry names, as it is now.

    Each such row gets one insert entry (``reason`` says it is a baseline), written
    with the capture's own image, key and tenant, and the actor the capture would name.
    Rows written before their table's capture was installed have no entry otherwise,
    and reconciling the tables with the trail could not tell them from rows written
    behind the trail's back.
    """
    shapes = shapes_from_database(bind, declaration)
    dialect = bind.dialect.name
    return [
        _baseline_statement(dialect, item, shapes[item.table], reason)
        for item in declaration.audited
        if only is None or item.table in only
    ]


def install_statements(
    bind, declaration: Declaration, *, only: tuple[str, ...] | None = None
) -> list[str]:
    """Return the SQL installing capture for the declared tables (or ``only`` some).

    Run it again after changing an audited table's columns: SQLite's triggers list
    them, and SQLite drops a table's triggers when a migration rebuilds the table.
    """
    shapes = shapes_from_database(bind, declaration)
    _check_names(declaration, shapes)
    items = [item for item in declaration.audited if only is None or item.table in only]
    if bind.dialect.name == "postgresql":
        statements = postgres_common_statements(declaration) if only is None else []
        for item in items:
            statements += postgres_capture_statements(item, shapes[item.table])
        if only is None:
            statements += _postgres_guards()
        return statements
    mac = entries_have_mac(bind)
    statements = []
    for item in items:
        statements += sqlite_capture_statements(item, shapes[item.table], mac=mac)
    if only is None:
        statements += _sqlite_guards()
    return statements


def entries_have_mac(bind) -> bool:
    """Return whether ``audit_entries`` has its ``mac`` column (added by a later migration).

    SQLite's triggers write it only once it exists, so migrations written before it keep
    installing what they did then.
    """
    return any(column["name"] == "mac" for column in inspect(bind).get_columns("audit_entries"))


def uninstall_statements(bind, declaration: Declaration) -> list[str]:
    """Return the SQL removing every capture trigger and function again."""
    statements = []
    if bind.dialect.name == "postgresql":
        for item in declaration.audited:
            table = _quote(item.table)
            statements += [
                f"DROP TRIGGER IF EXISTS {CAPTURE_TRIGGER} ON {table}",
                f"DROP TRIGGER IF EXISTS {CAPTURE_TRIGGER}_truncate ON {table}",
                f"DROP FUNCTION IF EXISTS {_quote(f'audit_capture_{item.table}')}()",
            ]
        for table in sorted(tables.TABLE_NAMES):
            statements += [
                f"DROP TRIGGER IF EXISTS audit_append_only ON {_quote(table)}",
                f"DROP TRIGGER IF EXISTS audit_append_only_truncate ON {_quote(table)}",
            ]
        statements += [
            "DROP FUNCTION IF EXISTS audit_record_event(text, integer, jsonb)",
            "DROP FUNCTION IF EXISTS audit_capture_truncate()",
            "DROP FUNCTION IF EXISTS audit_refuse_change()",
            "DROP FUNCTION IF EXISTS audit_actor()",
            "DROP FUNCTION IF EXISTS audit_setting(text)",
        ]
        return statements
    for item in declaration.audited:
        for operation in ("I", "U", "D"):
            statements.append(
                f"DROP TRIGGER IF EXISTS {_quote(f'{CAPTURE_TRIGGER}_{item.table}_{operation}')}"
            )
    for table in sorted(tables.TABLE_NAMES):
        for operation in ("update", "delete"):
            name = _quote(f"{table}_append_only_{operation}")
            statements.append(f"DROP TRIGGER IF EXISTS {name}")
    return statements


# --- What is installed ----------------------------------------------------------------


@dataclass(frozen=True)
class InstalledProblem:
    """A capture trigger, a guard or a function of the trail not as the generator makes it."""

    table: str
    trigger: str
    detail: str


_SQLITE_TRIGGER = re.compile(
    r'CREATE TRIGGER ("(?:[^"]|"")+"|\w+) (?:BEFORE|AFTER) \w+ ON ("(?:[^"]|"")+"|\w+)'
)
_SQL_PIECES = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\s+|[^'\"\s]+")


def _unquote(identifier: str) -> str:
    if identifier.startswith('"'):
        return identifier[1:-1].replace('""', '"')
    return identifier


def normalised_sql(sql: str) -> str:
    """Return SQL with each run of whitespace outside quotes made one space, ends trimmed."""
    pieces = _SQL_PIECES.findall(sql.strip().rstrip(";").strip())
    return "".join(" " if piece.isspace() else piece for piece in pieces)


@dataclass(frozen=True)
class _SqliteTrigger:
    table: str
    sql: str
    normalised: str


def _expected_sqlite_triggers(bind, declaration: Declaration) -> dict[str, _SqliteTrigger]:
    expected = {}
    for statement in install_statements(bind, declaration):
        match = _SQLITE_TRIGGER.match(statement)
        if match is not None:
            name, table = (_unquote(part) for part in match.groups())
            expected[name] = _SqliteTrigger(table, statement, normalised_sql(statement))
    return expected


# PostgreSQL's pg_trigger.tgtype bits: FOR EACH ROW, BEFORE, INSERT, DELETE, UPDATE, TRUNCATE.
_ROW, _BEFORE, _INSERT, _DELETE, _UPDATE, _TRUNCATE = 1, 2, 4, 8, 16, 32
_POSTGRES_FUNCTION = re.compile(
    r'CREATE OR REPLACE FUNCTION ("(?:[^"]|"")+"|\w+)\((.*?)\$\$(.*?)\$\$', re.DOTALL
)
# The functions the capture functions call by name (their search_path finds them in
# public), and the one the application's role calls for security events.
_POSTGRES_CALLED = {
    "audit_setting": "audit_setting(text)",
    "audit_actor": "audit_actor()",
    "audit_record_event": "audit_record_event(text,integer,jsonb)",
}


@dataclass(frozen=True)
class _Function:
    body: str
    security_definer: bool
    config: tuple[str, ...] | None


@dataclass(frozen=True)
class _PostgresCapture:
    # (table, trigger name) -> (pg_trigger.tgtype, the function it calls)
    triggers: dict
    functions: dict


def _expected_postgres_capture(bind, declaration: Declaration) -> _PostgresCapture:
    functions = {}
    for statement in install_statements(bind, declaration):
        for match in _POSTGRES_FUNCTION.finditer(statement):
            name, header, body = _unquote(match.group(1)), match.group(2), match.group(3)
            config = None
            if "SET search_path = public, pg_temp" in header:
                config = ("search_path=public, pg_temp",)
            functions[name] = _Function(body, "SECURITY DEFINER" in header, config)
    # Every audited table: its row trigger calling its own function, and its truncate
    # trigger; every table of the trail: its two guards.
    expected = {}
    for item in declaration.audited:
        expected[(item.table, CAPTURE_TRIGGER)] = (
            _ROW | _INSERT | _DELETE | _UPDATE,
            f"audit_capture_{item.table}",
        )
        expected[(item.table, f"{CAPTURE_TRIGGER}_truncate")] = (
            _TRUNCATE,
            "audit_capture_truncate",
        )
    for table in tables.TABLE_NAMES:
        expected[(table, "audit_append_only")] = (
            _ROW | _BEFORE | _DELETE | _UPDATE,
            "audit_refuse_change",
        )
        expected[(table, "audit_append_only_truncate")] = (
            _BEFORE | _TRUNCATE,
            "audit_refuse_change",
        )
    return _PostgresCapture(expected, functions)


# One statement: the triggers of the tables concerned, then the functions called by name.
_POSTGRES_INSTALLED = text(
    """
    SELECT 'trigger' AS kind, CAST(relation.relname AS text) AS table_name,
           CAST(installed.tgname AS text) AS name, installed.tgtype, installed.tgenabled,
           installed.tgqual IS NULL AS unconditional,
           cardinality(CAST(installed.tgattr AS int2[])) = 0 AS all_columns,
           CAST(function.proname AS text) AS function_name, function.prosrc,
           function.prosecdef, function.proconfig
      FROM pg_trigger AS installed
      JOIN pg_class AS relation ON relation.oid = installed.tgrelid
      JOIN pg_proc AS function ON function.oid = installed.tgfoid
     WHERE NOT installed.tgisinternal
       AND relation.relnamespace = to_regnamespace('public')
       AND relation.relname = ANY(CAST(:tables AS text[]))
    UNION ALL
    SELECT 'function', '', called.name, CAST(NULL AS int2), CAST(NULL AS "char"),
           CAST(NULL AS boolean), CAST(NULL AS boolean), called.name, function.prosrc,
           function.prosecdef, function.proconfig
      FROM unnest(CAST(:names AS text[]), CAST(:signatures AS text[]))
           AS called(name, signature)
      LEFT JOIN pg_proc AS function
        ON function.oid = to_regprocedure('public.' || called.signature)
    """
)


def _function_problem(expected: _Function | None, row) -> str | None:
    if expected is None:
        return None
    if row.prosrc is None:
        return "is missing"
    if row.prosrc != expected.body:
        return "has another body than the declaration generates"
    if bool(row.prosecdef) != expected.security_definer:
        return "is not SECURITY DEFINER as generated"
    if (tuple(row.proconfig) if row.proconfig else None) != expected.config:
        return "runs with other settings (search_path) than generated"
    return None


def _trigger_problems(table, name, row, kind, function, functions) -> list[InstalledProblem]:
    if row is None:
        return [InstalledProblem(table, name, "the trigger is missing")]
    problems = []
    if row.tgenabled != "A":
        problems.append(InstalledProblem(table, name, "the trigger is not enabled ALWAYS"))
    if row.tgtype != kind or not row.unconditional or not row.all_columns:
        problems.append(
            InstalledProblem(table, name, "the trigger fires on other events than generated")
        )
    if row.function_name != function:
        problems.append(
            InstalledProblem(table, name, f"the trigger calls {row.function_name}, not {function}")
        )
        return problems
    wrong = _function_problem(functions.get(function), row)
    if wrong is not None:
        problems.append(InstalledProblem(table, name, f"its function {function} {wrong}"))
    return problems


# On the trail's own tables, a trigger besides the guards could rewrite an entry as it
# is written (PostgreSQL) or act on every entry written.
_UNEXPECTED = "a trigger on a table of the trail that the generator does not make"


class CaptureCheck:
    """Compare the capture installed with what the generator makes of a declaration.

    The reference is ``install_statements`` for the declaration and the tables as they
    stand: a capture trigger or guard dropped, altered, disabled (PostgreSQL: not
    ALWAYS) or pointed at another function, a function whose body or settings changed,
    or another trigger on a table of the trail, is a problem. Making the reference reads
    every table's shape, a few queries per table; a check remembers it for the shapes it
    saw (SQLite: the tables' CREATE TABLE text, read with the triggers; PostgreSQL, where
    only the schema's owner alters tables: the declaration), so that checking again
    costs one query. A new ``CaptureCheck`` remembers nothing.
    """

    def __init__(self):
        self._expected: dict = {}

    def problems(self, bind, declaration: Declaration) -> list[InstalledProblem]:
        """Return every capture trigger, guard or function not installed as generated."""
        if bind.dialect.name == "postgresql":
            return self._postgres(bind, declaration)
        return self._sqlite(bind, declaration)

    def _remembered(self, key, make):
        expected = self._expected.get(key)
        if expected is None:
            expected = self._expected[key] = make()
        return expected

    def _sqlite(self, bind, declaration: Declaration) -> list[InstalledProblem]:
        rows = bind.exec_driver_sql(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('table', 'trigger')"
        ).all()
        concerned = {item.table for item in declaration.audited} | tables.TABLE_NAMES
        shapes = tuple(
            sorted(
                (row.name, row.sql) for row in rows if row.type == "table" and row.name in concerned
            )
        )
        expected = self._remembered(
            ("sqlite", declaration, shapes),
            lambda: _expected_sqlite_triggers(bind, declaration),
        )
        installed = {row.name: row for row in rows if row.type == "trigger"}
        problems = []
        for name, trigger in sorted(expected.items()):
            row = installed.get(name)
            if row is None:
                problems.append(InstalledProblem(trigger.table, name, "the trigger is missing"))
            elif row.tbl_name != trigger.table or (
                row.sql != trigger.sql and normalised_sql(row.sql or "") != trigger.normalised
            ):
                problems.append(
                    InstalledProblem(
                        trigger.table, name, "its SQL is not what the declaration generates"
                    )
                )
        for name, row in sorted(installed.items()):
            if row.tbl_name in tables.TABLE_NAMES and name not in expected:
                problems.append(InstalledProblem(row.tbl_name, name, _UNEXPECTED))
        return problems

    def _postgres(self, bind, declaration: Declaration) -> list[InstalledProblem]:
        expected = self._remembered(
            ("postgresql", declaration), lambda: _expected_postgres_capture(bind, declaration)
        )
        names = sorted(_POSTGRES_CALLED)
        rows = bind.execute(
            _POSTGRES_INSTALLED,
            {
                "tables": sorted({table for table, _name in expected.triggers}),
                "names": names,
                "signatures": [_POSTGRES_CALLED[name] for name in names],
            },
        ).all()
        installed = {(row.table_name, row.name): row for row in rows if row.kind == "trigger"}
        problems = []
        for (table, name), (kind, function) in sorted(expected.triggers.items()):
            row = installed.get((table, name))
            problems += _trigger_problems(table, name, row, kind, function, expected.functions)
        for table, name in sorted(installed):
            if table in tables.TABLE_NAMES and (table, name) not in expected.triggers:
                problems.append(InstalledProblem(table, name, _UNEXPECTED))
        for row in rows:
            if row.kind == "function":
                wrong = _function_problem(expected.functions.get(row.name), row)
                if wrong is not None:
                    problems.append(
                        InstalledProblem("", row.name, f"the function {row.name} {wrong}")
                    )
        return problems


def installed_problems(bind, declaration: Declaration) -> list[InstalledProblem]:
    """Return every capture trigger, guard or function not installed as generated."""
    return CaptureCheck().problems(bind, declaration)
