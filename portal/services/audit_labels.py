"""How the trail's pages speak of what entries record: column labels and the names behind ids.

Nothing here is a second list of the schema. The labels, the nouns of the tables and
which column names a row are derived, once, from the record types the trail captures
(``portal.record_types``) and their columns: ``validated_by_id`` reads "Validated by"
and refers to a user, ``tenant_id`` reads "Organisation". A column whose label should
read otherwise says so itself, in its ``info`` (``mapped_column(..., info={"label":
"..."})``); a table likewise, in its table's ``info``.

Names are looked up for one page of entries at once, a statement per table referred to
and one of the trail, whatever the number of entries; and only where the reader may read
them, through the one scoping of queries (``portal.tenancy``): the row as it stands, or
else the last entry of it that the reader may read. An id left unnamed reads
"user #5".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from sqlalchemy import and_, func, or_, select

from portal.authz import can_read_audit_trail, require
from portal.extensions import db
from portal.identity import current_principal
from portal.models import AuditEntry
from portal.record_types import REGISTRY

# Words of the schema that read otherwise to the people using the portal.
WORDS = {
    "tenant": "organisation",
    "id": "ID",
    "api": "API",
    "ip": "IP",
    "totp": "TOTP",
    "url": "URL",
    "pdf": "PDF",
    "html": "HTML",
    "sha256": "SHA-256",
}
# The column that names a row of a table: the first of these it has.
NAMING_COLUMNS = ("name", "title", "email", "code", "number", "url")


@dataclass(frozen=True)
class Named:
    """What a value of a column referring to another row reads as."""

    name: str | None
    noun: str
    key: object

    def __str__(self) -> str:
        return self.name if self.name is not None else f"{self.noun} #{self.key}"


def _words(name: str) -> str:
    return " ".join(WORDS.get(word, word) for word in name.split("_") if word)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") else word


def _table_of(record_type):
    return record_type.model.__table__ if record_type.mapped else record_type.model


@cache
def _tables() -> dict:
    """Return every table the trail captures (or that they refer to), by name."""
    found = {}
    for record_type in REGISTRY.as_of():
        found[record_type.table] = _table_of(record_type)
    return found


@cache
def noun(table: str) -> str:
    """Return what one row of ``table`` is called: "organisation", "support link"."""
    known = _tables().get(table)
    if known is not None and known.info.get("noun"):
        return known.info["noun"]
    words = table.split("_")
    return _words("_".join([*words[:-1], _singular(words[-1])]))


@cache
def references(table: str) -> dict[str, str]:
    """Return the columns of ``table`` that refer to a row of another table, and which."""
    known = _tables().get(table)
    if known is None:
        return {}
    return {
        column.name: next(iter(column.foreign_keys)).column.table.name
        for column in known.columns
        if len(column.foreign_keys) == 1
    }


@cache
def column_label(table: str | None, column: str) -> str:
    """Return the label of ``column`` of ``table`` (of an event's detail when no table)."""
    known = _tables().get(table) if table else None
    if known is not None and column in known.columns and known.columns[column].info.get("label"):
        return known.columns[column].info["label"]
    if table and column in references(table) and column.endswith("_id"):
        column = column[: -len("_id")]
    return _capitalised(_words(column))


@cache
def table_label(table: str | None) -> str:
    """Return how the pages name ``table``: "Support link"."""
    return _capitalised(noun(table)) if table else ""


@cache
def _naming_column(table: str) -> str | None:
    known = _tables().get(table)
    if known is None:
        return None
    # A secret column never names a row, though none is called so today.
    secret = {
        column
        for item in REGISTRY.audit_declaration().audited
        for column in item.redacted
        if item.table == table
    }
    return next(
        (name for name in NAMING_COLUMNS if name in known.columns and name not in secret), None
    )


def _key(value) -> int | None:
    # Ids are positive 32-bit integers; anything else names no row.
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    try:
        key = int(value)
    except ValueError:
        return None
    return key if 0 < key < 2**31 else None


def _live_names(table: str, keys: set[int]) -> dict[int, str]:
    """Return the names of the rows of ``table`` the principal may read as they stand."""
    record_type = REGISTRY[table]
    column = _naming_column(table)
    if column is None or not record_type.mapped:
        return {}
    model = record_type.model
    # An ORM statement: the scoping adds the principal's criteria to it.
    rows = db.session.execute(
        select(model.id, getattr(model, column)).where(model.id.in_(sorted(keys)))
    )
    return {key: str(name) for key, name in rows if name is not None}


def _recorded_names(wanted: dict[str, set[int]]) -> dict[tuple[str, int], str]:
    """Return names from the last entry of each row that the principal may read."""
    tables = {table: keys for table, keys in wanted.items() if keys and _naming_column(table)}
    if not tables:
        return {}
    # Both statements are scoped: the last entry the principal may read of each row.
    last = (
        select(func.max(AuditEntry.id))
        .where(
            or_(
                *(
                    and_(
                        AuditEntry.table_name == table,
                        AuditEntry.row_key.in_(sorted(str(key) for key in keys)),
                    )
                    for table, keys in sorted(tables.items())
                )
            ),
            AuditEntry.operation.in_(("I", "U", "D")),
        )
        .group_by(AuditEntry.table_name, AuditEntry.row_key)
    )
    rows = db.session.execute(
        select(
            AuditEntry.table_name, AuditEntry.row_key, AuditEntry.new_row, AuditEntry.old_row
        ).where(AuditEntry.id.in_(last))
    )
    found = {}
    for table, row_key, new_row, old_row in rows:
        image = new_row or old_row or {}
        name = image.get(_naming_column(table))
        if name is not None:
            found[(table, int(row_key))] = str(name)
    return found


class Names:
    """The names behind the ids of one page of entries, looked up together."""

    def __init__(self, wanted: dict[str, set[int]]):
        found: dict[tuple[str, int], str] = {}
        missing: dict[str, set[int]] = {}
        for table, keys in sorted(wanted.items()):
            live = _live_names(table, keys) if keys else {}
            found.update(((table, key), name) for key, name in live.items())
            missing[table] = keys - set(live)
        found.update(_recorded_names(missing))
        self._found = found

    def of(self, table: str, value) -> Named:
        """Return what ``value``, an id of a row of ``table``, reads as."""
        key = _key(value)
        name = self._found.get((table, key)) if key is not None else None
        return Named(name, noun(table), value)


def names_for(wanted: dict[str, set]) -> Names:
    """Return the names behind ``wanted`` ids (table -> ids) that the principal may read."""
    require(can_read_audit_trail, current_principal())
    keys = defaultdict(set)
    for table, values in wanted.items():
        if table in _tables():
            keys[table].update(key for value in values if (key := _key(value)) is not None)
    return Names(dict(keys))
