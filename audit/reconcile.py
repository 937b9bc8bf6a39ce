"""Reconcile the audited tables with the trail: is every row what its entries say?

The chains prove that the entries are the ones sealed; they cannot show a change that
never became an entry (a capture trigger dropped or disabled, a raw write on SQLite
without the triggers). Reconciling replays the trail per row instead: the newest entry
naming a row's key says what the row should hold now - its ``new_row`` after an insert
or update, nothing after a delete, or after a truncate of its table that came later -
and that is compared with the row as it is, its image computed by the very expression
the capture writes (``audit.triggers.row_image_sql``). Where they disagree, the row
changed without an entry: ``unrecorded_change``, naming the table and the row's key.

Each table is compared in one statement, which sees the rows and the entries in one
snapshot, meets them in a grouping by key (a sort of each side, never a scan of one
per row of the other) and hands back only the rows whose images differ as text, or
that lack a counterpart. Python then judges those few, allowing for what the capture
does not pin down:

- a timestamp is written with the offset of the writing session's time zone on
  PostgreSQL, so two timestamps are the same when they name the same instant;
- numbers are compared by value;
- only the columns both images hold are compared: a column added after a row's newest
  entry was never recorded for that row, and one dropped since is gone from both.

Bookkeeping columns are left out of the comparison (a change to them alone writes no
entry); derived columns are left out of the images already. A secret column shows only
whether it holds a value (``"[redacted]"``) or none, so a secret replaced by another
cannot be seen here, only one set or cleared.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import text

from audit import triggers
from audit.declaration import Audited, Declaration

KIND = "unrecorded_change"
# Changes listed per table; beyond them only counted, as a table written without its
# trigger can differ in every row.
LISTED_PER_TABLE = 100
READ_BATCH = 1000

_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


@dataclass(frozen=True)
class UnrecordedChange:
    """A row that is not what the newest entry naming it says it should be."""

    table: str
    row_key: str
    detail: str

    kind = KIND

    def describe(self) -> str:
        """Return one line naming the kind, the table, the row's key and what differs."""
        return f"{KIND} in {self.table} row {self.row_key}: {self.detail}"


@dataclass
class Reconciliation:
    """What reconciling the audited tables with the trail found."""

    tables: int = 0
    rows: int = 0
    changes: list[UnrecordedChange] = field(default_factory=list)
    # Per table, the changes found beyond the ones listed.
    unlisted: dict[str, int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        """Return how many rows changed without an entry, listed or not."""
        return len(self.changes) + sum(self.unlisted.values())

    @property
    def clean(self) -> bool:
        """Return whether every row is what the trail says it is."""
        return self.count == 0

    def describe(self) -> str:
        """Return a summary line, then one line per change listed."""
        scope = f"{self.tables} table(s), {self.rows} row(s)"
        if self.clean:
            return f"reconciled: {scope}, every row as its newest entry says"
        lines = [f"UNRECONCILED: {self.count} row(s) changed without an entry ({scope})"]
        lines += [change.describe() for change in self.changes]
        lines += [
            f"{KIND} in {table}: {count} more row(s) not listed"
            for table, count in sorted(self.unlisted.items())
        ]
        return "\n".join(lines)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _key_of_image(dialect: str, shape: triggers.TableShape, image: str) -> str:
    """Return the SQL of the row key an image holds, spelled as the capture spells keys."""
    if dialect == "postgresql":
        parts = [f"({image} ->> {_literal(column)})" for column in shape.key]
    else:
        parts = [
            f"CAST(json_extract({image}, {_literal('$.' + _quote(column))}) AS TEXT)"
            for column in shape.key
        ]
    return " || '/' || ".join(parts)


def _compared(dialect: str, item: Audited, image: str) -> str:
    """Return the SQL of an image without its bookkeeping columns, for comparing."""
    if dialect == "postgresql":
        if not item.bookkeeping:
            return image
        listed = ", ".join(_literal(column) for column in item.bookkeeping)
        return f"(({image}) - ARRAY[{listed}]::text[])"
    if not item.bookkeeping:
        return image
    paths = ", ".join(_literal("$." + _quote(column)) for column in item.bookkeeping)
    # Text that is not JSON (an entry tampered with) is compared as it is, not refused.
    return f"CASE WHEN json_valid({image}) THEN json_remove({image}, {paths}) ELSE {image} END"


def reconcile_statement(dialect: str, item: Audited, shape: triggers.TableShape) -> str:
    """Return the SQL listing the rows of one table that may disagree with the trail.

    Each row: the key, the row's image now (NULL when the row is gone), the image of the
    newest entry naming the key, that entry's id and operation (NULL when none names
    it; ``M`` when an update moved the row to another key), and the id of the table's
    last truncate (0 when none). Rows that agree exactly are left out.

    The rows and the newest entries meet in one grouping by key rather than a join: a
    sort each, on either database, where SQLite would otherwise scan one side once per
    row of the other.
    """
    table = _literal(item.table)
    as_text = "::text" if dialect == "postgresql" else ""
    differs = "IS DISTINCT FROM" if dialect == "postgresql" else "IS NOT"
    old_key = _key_of_image(dialect, shape, "moved.old_row")
    subject = triggers.row_alias(shape)
    image = triggers.row_image_sql(dialect, item, shape, subject)
    return f"""
WITH cut AS (
    SELECT coalesce(max(id), 0) AS id FROM audit_entries
     WHERE table_name = {table} AND operation = 'T'
), events AS (
    SELECT row_key, id, operation, new_row AS image FROM audit_entries
     WHERE table_name = {table} AND operation IN ('I', 'U', 'D')
    UNION ALL
    SELECT {old_key}, moved.id, 'M', NULL FROM audit_entries AS moved
     WHERE moved.table_name = {table} AND moved.operation = 'U'
       AND {old_key} <> moved.row_key
), sides AS (
    SELECT {triggers.row_key_sql(dialect, shape, subject)} AS row_key, 1 AS here,
           ({image}){as_text} AS now_image,
           ({_compared(dialect, item, image)}){as_text} AS now_compared,
           CAST(NULL AS TEXT) AS recorded_image, CAST(NULL AS TEXT) AS recorded_compared,
           CAST(NULL AS BIGINT) AS entry_id, CAST(NULL AS TEXT) AS operation
      FROM {_quote(item.table)} AS {subject}
    UNION ALL
    SELECT row_key, 0, NULL, NULL, image{as_text}, ({_compared(dialect, item, "image")}){as_text},
           id, operation
      FROM (SELECT row_key, id, operation, image,
                   row_number() OVER (PARTITION BY row_key ORDER BY id DESC) AS newest
              FROM events) AS ranked
     WHERE newest = 1
)
SELECT row_key, max(now_image), max(recorded_image), max(entry_id), max(operation),
       (SELECT id FROM cut)
  FROM sides
 GROUP BY row_key
HAVING max(here) = 0 AND max(operation) IN ('I', 'U') AND max(entry_id) > (SELECT id FROM cut)
    OR max(here) = 1 AND (max(entry_id) IS NULL OR max(operation) IN ('D', 'M')
                          OR max(entry_id) < (SELECT id FROM cut)
                          OR max(now_compared) {differs} max(recorded_compared))
"""


def _read_image(document: str | None):
    if document is None:
        return None
    try:
        return json.loads(document, parse_float=Decimal)
    except ValueError:
        return None


def _moment(value: str) -> datetime | None:
    if not _MOMENT.match(value):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _same(now, recorded) -> bool:
    if isinstance(now, bool) or isinstance(recorded, bool):
        return now is recorded
    if now == recorded:  # numbers by value: a numeric's scale is not a change
        return True
    if isinstance(now, str) and isinstance(recorded, str):
        instants = _moment(now), _moment(recorded)
        return None not in instants and instants[0] == instants[1]
    return False


def differing_columns(now: dict, recorded: dict, ignored=()) -> list[str]:
    """Return the columns, held by both images and not ``ignored``, whose values differ."""
    names = (now.keys() & recorded.keys()) - set(ignored)
    return sorted(name for name in names if not _same(now[name], recorded[name]))


def _judge(item: Audited, row) -> str | None:
    """Return what is wrong with a row the statement handed back, None if nothing is."""
    _key, now_text, recorded_text, entry_id, operation, cut = row
    if now_text is None:
        return f"gone, but no entry records its deletion (its newest entry is #{entry_id})"
    if entry_id is None:
        return "present, but no entry names it"
    if operation == "D":
        return f"present, but its newest entry, #{entry_id}, records its deletion"
    if operation == "M":
        return f"present, but its newest entry, #{entry_id}, moved it to another key"
    if entry_id < cut:
        return (
            f"present, but entry #{cut} records its table emptied after its newest"
            f" entry, #{entry_id}"
        )
    now, recorded = _read_image(now_text), _read_image(recorded_text)
    if not isinstance(recorded, dict):
        return f"its newest entry, #{entry_id}, holds no image that can be read"
    changed = differing_columns(now, recorded, item.bookkeeping)
    if not changed:
        return None
    return f"differs from its newest entry, #{entry_id}, in {', '.join(changed)}"


def reconcile(connection, declaration: Declaration, progress=None) -> Reconciliation:
    """Compare every audited table with the trail; return what changed without an entry.

    The connection must see every row of every table and every entry (on PostgreSQL
    the system's identity, which row-level security lets through).
    """
    dialect = connection.dialect.name
    shapes = triggers.shapes_from_database(connection, declaration)
    result = Reconciliation()
    for item in declaration.audited:
        shape = shapes[item.table]
        result.tables += 1
        result.rows += connection.execute(
            text(f"SELECT count(*) FROM {_quote(item.table)}")
        ).scalar_one()
        statement = text(reconcile_statement(dialect, item, shape))
        rows = connection.execute(
            statement.execution_options(stream_results=True, yield_per=READ_BATCH)
        )
        listed = 0
        for row in rows:
            detail = _judge(item, row)
            if detail is None:
                continue
            if listed < LISTED_PER_TABLE:
                result.changes.append(UnrecordedChange(item.table, row[0], detail))
                listed += 1
            else:
                result.unlisted[item.table] = result.unlisted.get(item.table, 0) + 1
        if progress is not None:
            progress(1)
    return result
