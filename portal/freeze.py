"""The freeze of an adopted cycle, kept by the database itself, whoever writes.

Once the Board adopts a cycle, its adopted needs are the record of what it adopted. The
portal's policies stop offering changes to them, but row-level security lets the
owning partner's editors update and delete their own needs, so a statement sent
outside those policies (a script with the application's credentials, a psql session)
could still rewrite one. Triggers on both databases refuse:

- UPDATE and DELETE of a need whose status is ``adopted``. Adoption itself is the
  update of a validated need (``portal.services.cycles.move_cycle``), carrying a need
  over inserts a new one pointing at it, and archiving the cycle changes only the cycle,
  so the portal never updates a need that is adopted already.
- UPDATE and DELETE of an ``adopted`` or ``archived`` cycle, except the move from
  adopted to archived, which may change the status and the version (the optimistic lock)
  and nothing else.

On PostgreSQL the triggers are enabled ALWAYS, so ``session_replication_role`` does not
mute them; they fire for the schema's owner too. A later migration that must change a
frozen row drops them first and installs them again after (``uninstall_statements``,
``install_statements``); one that rebuilds ``needs`` or ``cycles`` on SQLite must
install them again, as the rebuild drops the table's triggers.
"""

from __future__ import annotations

ADOPTED_NEED_MESSAGE = "an adopted need is frozen: it cannot be changed or deleted"
CLOSED_CYCLE_MESSAGE = (
    "an adopted or archived cycle is frozen: it can only move from adopted to archived"
)
# What archiving leaves as it was: every column of a cycle but its status and version.
CYCLE_COLUMNS_KEPT_WHEN_ARCHIVED = (
    "id",
    "name",
    "starts_on",
    "ends_on",
    "submission_deadline",
    "board_meeting",
    "adopted_on",
    "created_at",
)
CLOSED_CYCLE_STATUSES = ("adopted", "archived")

_NEED = "freeze_adopted_need"
_CYCLE = "freeze_closed_cycle"
_CLOSED = ", ".join(f"'{status}'" for status in CLOSED_CYCLE_STATUSES)


def _archiving(compare: str) -> str:
    """Return the SQL condition that an update of a closed cycle only archives it."""
    kept = " AND ".join(
        f"NEW.{column} {compare} OLD.{column}" for column in CYCLE_COLUMNS_KEPT_WHEN_ARCHIVED
    )
    return f"OLD.status = 'adopted' AND NEW.status = 'archived' AND {kept}"


def _postgres_statements() -> list[str]:
    need_function = f"""CREATE OR REPLACE FUNCTION {_NEED}() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION USING
        ERRCODE = 'check_violation',
        MESSAGE = '{ADOPTED_NEED_MESSAGE}',
        DETAIL = format('need %s (%s), %s refused', OLD.id, OLD.code, lower(TG_OP));
END $$"""
    cycle_function = f"""CREATE OR REPLACE FUNCTION {_CYCLE}() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND {_archiving("IS NOT DISTINCT FROM")} THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION USING
        ERRCODE = 'check_violation',
        MESSAGE = '{CLOSED_CYCLE_MESSAGE}',
        DETAIL = format('cycle %s (%s), %s refused', OLD.id, OLD.status, lower(TG_OP));
END $$"""
    statements = []
    for name, table, condition, function in (
        (_NEED, "needs", "OLD.status = 'adopted'", need_function),
        (_CYCLE, "cycles", f"OLD.status IN ({_CLOSED})", cycle_function),
    ):
        statements += [
            function,
            f"DROP TRIGGER IF EXISTS {name} ON {table}",
            f"CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table}"
            f" FOR EACH ROW WHEN ({condition}) EXECUTE FUNCTION {name}()",
            f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {name}",
        ]
    return statements


def _sqlite_statements() -> list[str]:
    # SQLite's RAISE takes only a literal message.
    refuse_need = f"BEGIN SELECT RAISE(ABORT, '{ADOPTED_NEED_MESSAGE}'); END"
    refuse_cycle = f"BEGIN SELECT RAISE(ABORT, '{CLOSED_CYCLE_MESSAGE}'); END"
    closed = f"OLD.status IN ({_CLOSED})"
    triggers = (
        (f"{_NEED}_update", "UPDATE", "needs", "OLD.status = 'adopted'", refuse_need),
        (f"{_NEED}_delete", "DELETE", "needs", "OLD.status = 'adopted'", refuse_need),
        (
            f"{_CYCLE}_update",
            "UPDATE",
            "cycles",
            f"{closed} AND NOT ({_archiving('IS')})",
            refuse_cycle,
        ),
        (f"{_CYCLE}_delete", "DELETE", "cycles", closed, refuse_cycle),
    )
    statements = []
    for name, event, table, condition, body in triggers:
        statements += [
            f"DROP TRIGGER IF EXISTS {name}",
            f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW WHEN {condition} {body}",
        ]
    return statements


def install_statements(dialect: str) -> list[str]:
    """Return the SQL that installs the freeze's triggers (again, replacing them)."""
    return _postgres_statements() if dialect == "postgresql" else _sqlite_statements()


def uninstall_statements(dialect: str) -> list[str]:
    """Return the SQL that removes the freeze's triggers (and on PostgreSQL their functions)."""
    if dialect == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {_NEED} ON needs",
            f"DROP TRIGGER IF EXISTS {_CYCLE} ON cycles",
            f"DROP FUNCTION IF EXISTS {_NEED}()",
            f"DROP FUNCTION IF EXISTS {_CYCLE}()",
        ]
    return [
        f"DROP TRIGGER IF EXISTS {name}"
        for name in (f"{_NEED}_update", f"{_NEED}_delete", f"{_CYCLE}_update", f"{_CYCLE}_delete")
    ]


# --- The acquis chapters an adopted need names (migration 7d2e4f6a8b10) ---------------

ADOPTED_CHAPTERS_MESSAGE = (
    "an adopted need is frozen: its acquis chapters cannot be changed or removed"
)
_CHAPTERS = "freeze_adopted_need_chapters"


def _adopted(need_id: str) -> str:
    return f"EXISTS (SELECT 1 FROM needs WHERE id = {need_id} AND status = 'adopted')"


def chapter_install_statements(dialect: str) -> list[str]:
    """Return the SQL refusing to change or remove the chapters of an adopted need.

    The need's own row was frozen first (``install_statements``); the chapters it names
    are part of what the Board adopted too. Adding one is not refused: a need is
    inserted with its chapters, and one may be recorded as adopted from the start (the
    demonstration data, a cycle imported after its adoption). Carrying a need over
    copies its chapters to a new need, which is not adopted, so the portal is never
    refused.
    """
    if dialect == "postgresql":
        return [
            f"""CREATE OR REPLACE FUNCTION {_CHAPTERS}() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF {_adopted("OLD.need_id")} OR (TG_OP = 'UPDATE' AND {_adopted("NEW.need_id")}) THEN
        RAISE EXCEPTION USING
            ERRCODE = 'check_violation',
            MESSAGE = '{ADOPTED_CHAPTERS_MESSAGE}',
            DETAIL = format('%s of a chapter of an adopted need refused', lower(TG_OP));
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$""",
            f"DROP TRIGGER IF EXISTS {_CHAPTERS} ON need_acquis_chapters",
            f"CREATE TRIGGER {_CHAPTERS} BEFORE UPDATE OR DELETE"
            f" ON need_acquis_chapters FOR EACH ROW EXECUTE FUNCTION {_CHAPTERS}()",
            f"ALTER TABLE need_acquis_chapters ENABLE ALWAYS TRIGGER {_CHAPTERS}",
        ]
    body = f"BEGIN SELECT RAISE(ABORT, '{ADOPTED_CHAPTERS_MESSAGE}'); END"
    conditions = {
        "update": f"{_adopted('OLD.need_id')} OR {_adopted('NEW.need_id')}",
        "delete": _adopted("OLD.need_id"),
    }
    statements = []
    for event, condition in conditions.items():
        name = f"{_CHAPTERS}_{event}"
        statements += [
            f"DROP TRIGGER IF EXISTS {name}",
            f"CREATE TRIGGER {name} BEFORE {event.upper()} ON need_acquis_chapters"
            f" FOR EACH ROW WHEN {condition} {body}",
        ]
    return statements


def chapter_uninstall_statements(dialect: str) -> list[str]:
    """Return the SQL removing the freeze of an adopted need's chapters."""
    if dialect == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {_CHAPTERS} ON need_acquis_chapters",
            f"DROP FUNCTION IF EXISTS {_CHAPTERS}()",
        ]
    return [
        f"DROP TRIGGER IF EXISTS {_CHAPTERS}_{event}" for event in ("insert", "update", "delete")
    ]
