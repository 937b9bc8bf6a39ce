"""What a support link copies from its two ends, so that its visibility is a test of its own row.

A link may be read when both its need and its response may be. Asked of the
needs and responses themselves, that test costs a lookup of both ends for every link, and
on PostgreSQL the row-level security policy had to list every need and response the
viewer may read, for every statement that touched links: most of a second with 100,000
of each. Instead each link carries the columns of its ends that visibility and the
analysis depend on (the need's pillar for the funding per pillar), and the database
itself keeps them equal to their sources, whoever writes (the portal, raw SQL, a psql
session):

- PostgreSQL: a BEFORE INSERT OR UPDATE trigger on ``support_links`` overwrites the
  copies from the two ends on every write, so nobody can set them by hand; AFTER UPDATE
  triggers on ``needs`` and ``responses`` pass a changed source on to its links.
- SQLite, which cannot change the row in a BEFORE trigger: AFTER triggers correct the
  link with an UPDATE of its copies whenever they differ from the ends.

The PostgreSQL functions run as the schema's owner with the system identity: a need's
change must reach every link of it, also those whose response the person changing the
need cannot read. The audit declaration lists the copies as derived columns, so they are
left out of the trail (their sources are recorded where they change) and passing a
change on writes no entry of its own.
"""

from __future__ import annotations

# link column -> column of the need it copies
NEED_COPIES = {
    "need_tenant_id": "tenant_id",
    "need_cycle_id": "cycle_id",
    "need_status": "status",
    "need_pillar_id": "pillar_id",
}
# link column -> column of the response it copies
RESPONSE_COPIES = {
    "response_tenant_id": "tenant_id",
    "response_record_status": "record_status",
    "response_visibility": "visibility",
    "response_implementation_status": "implementation_status",
}
# (end table, the link's foreign key to it, its copies)
ENDS = (
    ("needs", "need_id", NEED_COPIES),
    ("responses", "response_id", RESPONSE_COPIES),
)
COPIED_COLUMNS = (*NEED_COPIES, *RESPONSE_COPIES)

_COPY_ENDS = "support_link_copy_ends"


def _propagate_name(table: str) -> str:
    return f"support_link_copy_{table}"


def _source_changed(copies: dict[str, str], operator: str) -> str:
    return " OR ".join(f"OLD.{source} {operator} NEW.{source}" for source in copies.values())


def _postgres_function(name: str, body: str, result: str) -> str:
    # The work runs as the system for row-level security: the identity is switched for
    # the statements below and restored before returning (an error rolls it back too).
    # A function's own SET clause would do it, but only a superuser may declare one
    # for a setting PostgreSQL does not know.
    return f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    acting text := current_setting('iisg.mode', true);
BEGIN
    PERFORM set_config('iisg.mode', 'system', true);
{body}
    PERFORM set_config('iisg.mode', coalesce(acting, ''), true);
    RETURN {result};
END $$"""


def _postgres_statements() -> list[str]:
    lookups = "\n".join(
        f"    SELECT {', '.join(copies.values())}"
        f" INTO {', '.join(f'NEW.{copy}' for copy in copies)}"
        f" FROM {table} WHERE id = NEW.{foreign_key};"
        for table, foreign_key, copies in ENDS
    )
    statements = [
        _postgres_function(_COPY_ENDS, lookups, "NEW"),
        f"DROP TRIGGER IF EXISTS {_COPY_ENDS} ON support_links",
        f"CREATE TRIGGER {_COPY_ENDS} BEFORE INSERT OR UPDATE ON support_links"
        f" FOR EACH ROW EXECUTE FUNCTION {_COPY_ENDS}()",
        f"ALTER TABLE support_links ENABLE ALWAYS TRIGGER {_COPY_ENDS}",
    ]
    for table, foreign_key, copies in ENDS:
        name = _propagate_name(table)
        assignments = ", ".join(f"{copy} = NEW.{source}" for copy, source in copies.items())
        update = f"    UPDATE support_links SET {assignments} WHERE {foreign_key} = NEW.id;"
        statements += [
            _postgres_function(name, update, "NULL"),
            f"DROP TRIGGER IF EXISTS {name} ON {table}",
            f"CREATE TRIGGER {name} AFTER UPDATE OF {', '.join(copies.values())} ON {table}"
            f" FOR EACH ROW WHEN ({_source_changed(copies, 'IS DISTINCT FROM')})"
            f" EXECUTE FUNCTION {name}()",
            f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {name}",
        ]
    return statements


def _sqlite_statements() -> list[str]:
    lookups = {
        copy: f"(SELECT {source} FROM {table} WHERE id = NEW.{foreign_key})"
        for table, foreign_key, copies in ENDS
        for copy, source in copies.items()
    }
    stale = " OR ".join(f"NEW.{copy} IS NOT {lookup}" for copy, lookup in lookups.items())
    correct = ", ".join(f"{copy} = {lookup}" for copy, lookup in lookups.items())
    statements = []
    for event in ("insert", "update"):
        name = f"{_COPY_ENDS}_{event}"
        statements += [
            f"DROP TRIGGER IF EXISTS {name}",
            f"CREATE TRIGGER {name} AFTER {event.upper()} ON support_links WHEN {stale}"
            f" BEGIN UPDATE support_links SET {correct} WHERE id = NEW.id; END",
        ]
    for table, foreign_key, copies in ENDS:
        name = _propagate_name(table)
        assignments = ", ".join(f"{copy} = NEW.{source}" for copy, source in copies.items())
        statements += [
            f"DROP TRIGGER IF EXISTS {name}",
            f"CREATE TRIGGER {name} AFTER UPDATE OF {', '.join(copies.values())} ON {table}"
            f" WHEN {_source_changed(copies, 'IS NOT')}"
            f" BEGIN UPDATE support_links SET {assignments} WHERE {foreign_key} = NEW.id; END",
        ]
    return statements


def install_statements(dialect: str) -> list[str]:
    """Return the SQL that installs the triggers keeping the copies (again, replacing them)."""
    return _postgres_statements() if dialect == "postgresql" else _sqlite_statements()


def uninstall_statements(dialect: str) -> list[str]:
    """Return the SQL that removes those triggers (and on PostgreSQL their functions)."""
    if dialect == "postgresql":
        statements = [f"DROP TRIGGER IF EXISTS {_COPY_ENDS} ON support_links"]
        statements += [
            f"DROP TRIGGER IF EXISTS {_propagate_name(table)} ON {table}" for table, _, _ in ENDS
        ]
        statements += [
            f"DROP FUNCTION IF EXISTS {name}()"
            for name in (_COPY_ENDS, *(_propagate_name(table) for table, _, _ in ENDS))
        ]
        return statements
    names = [f"{_COPY_ENDS}_insert", f"{_COPY_ENDS}_update"]
    names += [_propagate_name(table) for table, _, _ in ENDS]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in names]


def backfill_statement() -> str:
    """Return the SQL that sets the copies of every existing link from its ends."""
    assignments = ", ".join(
        f"{copy} = (SELECT {source} FROM {table} WHERE {table}.id = support_links.{foreign_key})"
        for table, foreign_key, copies in ENDS
        for copy, source in copies.items()
    )
    return f"UPDATE support_links SET {assignments}"
