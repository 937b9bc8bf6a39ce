"""Results kept while the data they were computed from is unchanged.

A list's total and the analysis' ranked needs cost a pass over every row the reader may
read (under row-level security on PostgreSQL, a test of both walls per row); the page
itself costs a few rows. Such a result is kept, per database, per kind of reader and per
statement (its structure and its values), with the data versions of the tables it read
(``portal.data_version``), and used again only while those are still the current ones:
it is then exactly what computing it again would give. A kind of reader is what the
visibility rules of the tables read ask of the principal (its organisation, its
economy, its roles...; the user only where a rule names the acting user): readers alike
in it see the same rows, so the result of one is the result of each. A statement reading a table
whose writes do not raise the version is never kept. docs/benchmarks.md gives the
figures, docs/architecture.md the design.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache
from weakref import WeakKeyDictionary

from sqlalchemy import Select, func, literal_column, select
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import ColumnClause, TextClause
from sqlalchemy.sql.selectable import TableClause
from sqlalchemy.sql.util import find_tables

from portal import data_version
from portal.extensions import db
from portal.identity import current_principal
from portal.record_types import REGISTRY
from portal.tenancy import application_scoping_on
from portal.visibility import principal_facts, references

# How much each process keeps per database, the least recently used dropped first:
# totals (each a few kilobytes with its key) and the rows of rankings (a cycle's gaps
# are a few thousand rows of a few numbers each).
KEPT_TOTALS = 1024
KEPT_RANKING_ROWS = 200_000

_COUNTED = frozenset(data_version.counted_tables(item.table for item in REGISTRY.as_of()))
_DETAILED = frozenset(data_version.DETAIL_COLUMNS)


class _Kept:
    """A bounded map of key -> (version, result), the least recently used dropped first.

    ``size`` bounds the sum of the results' weights: a total weighs 1, a ranking its rows.
    """

    def __init__(self, size: int):
        self.size = size
        self.weight = 0
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key, version: tuple):
        with self.lock:
            found = self.items.get(key)
            if found is None or found[0] != version:
                return None
            self.items.move_to_end(key)
            return found

    def put(self, key, version: tuple, result) -> None:
        weight = _weight(result)
        if weight > self.size:
            return
        with self.lock:
            previous = self.items.pop(key, None)
            if previous is not None:
                self.weight -= _weight(previous[1])
            self.items[key] = (version, result)
            self.weight += weight
            while self.weight > self.size:
                _, (_, dropped) = self.items.popitem(last=False)
                self.weight -= _weight(dropped)


def _weight(result) -> int:
    return max(1, len(result)) if isinstance(result, tuple) else 1


_STORES: WeakKeyDictionary = WeakKeyDictionary()
_STORES_LOCK = threading.Lock()


def _store(kind: str) -> _Kept:
    engine = db.engine
    with _STORES_LOCK:
        stores = _STORES.setdefault(engine, {})
        if kind not in stores:
            stores[kind] = _Kept(KEPT_TOTALS if kind == "total" else KEPT_RANKING_ROWS)
        return stores[kind]


def _frozen(value):
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    if isinstance(value, set | frozenset):
        return frozenset(_frozen(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((key, _frozen(item)) for key, item in value.items()))
    hash(value)
    return value


def _statement_key(statement: Select):
    """Return what identifies ``statement``'s result for a given reader, or None."""
    cache_key = statement._generate_cache_key()
    if cache_key is None:
        return None
    try:
        values = tuple(_frozen(parameter.effective_value) for parameter in cache_key.bindparams)
    except TypeError:  # a value that cannot be compared as a key: do not keep
        return None
    return cache_key.key, values


def _read_tables(statement: Select) -> set[str]:
    """Return the tables ``statement`` reads, with those the visibility rules consult."""
    names = {table.name for table in find_tables(statement)}
    pending = list(names)
    while pending:
        table = pending.pop()
        try:
            record_type = REGISTRY[table]
        except KeyError:
            continue
        for other in references(record_type.read) - names:
            names.add(other)
            pending.append(other)
    return names


def _table_name(source) -> str | None:
    """Return the name of the table behind ``source`` (a table, or an alias of one)."""
    while not isinstance(source, TableClause) and hasattr(source, "element"):
        source = source.element
    return source.name if isinstance(source, TableClause) else None


def _opaque(element) -> bool:
    """Tell whether ``element`` is SQL text, which may name any column (``count(*)``'s
    star names none)."""
    if isinstance(element, TextClause):
        return True
    return isinstance(element, ColumnClause) and element.is_literal and element.name != "*"


def _details_read(statement: Select, tables: set[str], counted: bool = False) -> set[str]:
    """Return the detail versions (``data_version.DETAIL_COLUMNS``) ``statement`` depends on.

    Those of the tables whose detail columns it names anywhere (its rows, its filters,
    its order, a subquery's), and of every table with details when it holds SQL text,
    which cannot be looked into. The visibility rules name no detail column. When only
    the number of its rows is ``counted``, what its rows hold does not matter, unless
    they are DISTINCT, nor their order.
    """
    named: set[tuple[str, str]] = set()
    # Whether the statement's rows are distinct is not public; taken as so if unknown.
    rows_matter = not counted or getattr(statement, "_distinct", True)
    if counted:  # nor does their order
        statement = statement.order_by(None)
    for element in visitors.iterate(statement):
        if _opaque(element):
            return {data_version.detail_version(table) for table in _DETAILED & tables}
        if isinstance(element, Select):  # an entity selected whole names all its columns
            if element is statement and not rows_matter:
                continue
            columns = element.selected_columns
        elif isinstance(element, ColumnClause):
            columns = (element,)
        else:
            continue
        for column in columns:
            table = getattr(column, "table", None)
            if table is not None and (name := _table_name(table)) in _DETAILED:
                named.add((name, column.name))
    return {
        data_version.detail_version(table)
        for table, column in named
        if column in data_version.DETAIL_COLUMNS[table]
    }


def _kept(kind: str, statement: Select, compute: Callable, counted: bool = False):
    key = _statement_key(statement)
    tables = _read_tables(statement)
    if key is None or not tables <= _COUNTED:
        return compute()
    # A change of a record's words raises its table's detail version alone: kept
    # through it are the results that do not read those words.
    tables |= _details_read(statement, tables, counted)
    # Changes not yet sent would count in the result but not in the check below.
    db.session.flush()
    versions = data_version.usable_versions(tables)
    if versions is None:
        return compute()
    # The versions of the tables the statement reads: a change elsewhere keeps it.
    version = tuple(versions.get(table) for table in sorted(tables))
    if None in version:  # a table without its version row: nothing says when it changes
        return compute()
    return _reused(kind, key, tables, version, compute)


def _reader(tables: set[str]):
    """Return what decides which rows of ``tables`` the current reader sees.

    Only the principal's attributes the tables' rules ask about: every partner editor of
    one organisation reads the same needs, so a total computed for one is kept for all
    of them, while a table whose rule names the acting user keeps it per user.
    """
    principal = current_principal()
    if principal is None:
        return None
    facts = sorted(_facts(frozenset(tables)))
    return tuple((fact, getattr(principal, fact)) for fact in facts)


@lru_cache
def _facts(tables: frozenset[str]) -> frozenset[str]:
    facts = set()
    for table in tables:
        try:
            facts |= principal_facts(REGISTRY[table].read)
        except KeyError:  # a table without a rule of its own is read by everyone alike
            continue
    return frozenset(facts)


def _reused(kind: str, statement_key, tables: set[str], version: tuple, compute: Callable):
    """Return the result kept for the current reader at ``version``, or compute and keep it."""
    full_key = (_reader(tables), application_scoping_on(), statement_key)
    store = _store(kind)
    found = store.get(full_key, version)
    if found is not None:
        return found[1]
    result = compute()
    store.put(full_key, version, result)
    return result


def _counting(statement: Select) -> Callable[[], int]:
    counting = select(func.count()).select_from(statement.order_by(None).subquery())
    return lambda: db.session.scalar(counting)


def total(statement: Select) -> int:
    """Return how many rows ``statement`` gives the current reader, kept while valid."""
    return _kept("total", statement, _counting(statement), counted=True)


def ranking(statement: Select, kind: str = "ranking") -> tuple[tuple, ...]:
    """Return every row of ``statement`` (plain values, not entities), kept while valid.

    ``kind`` names the store: small per-page results kept apart do not push out the
    rankings every page of a list shares.
    """
    return _kept(kind, statement, lambda: tuple(map(tuple, db.session.execute(statement))))


def appended_total(statement: Select, key) -> int:
    """Return how many rows ``statement`` gives, for a table whose rows are only appended.

    The trail's entries are never changed or removed, and each new one takes a larger key
    (``key``, its column): a total over them holds while the largest key the reader
    may see is the same. That holds only if no entry with a smaller key can still
    appear, so on PostgreSQL a total is kept only when no transaction was writing just
    after the largest key was read (one writing then may yet commit an entry with a
    smaller key). SQLite writes one transaction at a time.
    """
    counting = _counting(statement)
    statement_key = _statement_key(statement)
    if statement_key is None:
        return counting()
    db.session.flush()
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        untouched, largest = db.session.execute(
            select(
                literal_column("pg_current_xact_id_if_assigned() IS NULL"),
                select(func.max(key)).scalar_subquery(),
            )
        ).one()
        # Asked after the largest key was read: with no writer under way then, every
        # entry up to it is committed, and any entry appearing later has a larger key.
        settled_now = untouched and not data_version.writers_under_way()
    else:
        settled_now = not connection.connection.dbapi_connection.in_transaction
        largest = db.session.scalar(select(func.max(key)))
    if not settled_now:
        return counting()
    tables = _read_tables(statement)
    return _reused("appended", statement_key, tables, (largest,), counting)


def forget_everything() -> None:
    """Drop every kept result of this process (for measuring what computing them costs)."""
    with _STORES_LOCK:
        _STORES.clear()
