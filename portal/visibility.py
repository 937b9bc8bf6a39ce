"""Visibility rules, written once and read by both walls of tenancy.

A rule says which rows of a table a principal may read (or write) in terms of the row's
columns and who is acting. Each rule compiles two ways:

- ``to_sqlalchemy(rule, principal, table)``: an SQL expression for the application layer
  (``portal.tenancy``), with what is known of the principal already decided in Python,
  so a Secretariat viewer's query carries no test of "is this the Secretariat";
- ``to_sql(rule)``: the text of a PostgreSQL row-level security policy (``portal.rls``),
  which asks who is acting from the transaction's settings (``iisg_tenant()`` and
  friends, defined in ``portal.rls``).

The two are proven to agree on random principals and rows by
``tests/test_walls_agree.py``; see docs/architecture.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, exists, false, or_, select, true
from sqlalchemy.sql.elements import ColumnElement


class Rule:
    """A condition on a row and on who is acting."""

    def __and__(self, other: Rule) -> Rule:
        return AllOf((*_parts(self, AllOf), *_parts(other, AllOf)))

    def __or__(self, other: Rule) -> Rule:
        return AnyOf((*_parts(self, AnyOf), *_parts(other, AnyOf)))


def _parts(rule: Rule, kind: type) -> tuple[Rule, ...]:
    # a | b | c reads as one disjunction, not a nested pair, in both compiled forms.
    return rule.rules if isinstance(rule, kind) else (rule,)


@dataclass(frozen=True)
class Everyone(Rule):
    """Every row, for every principal."""


@dataclass(frozen=True)
class Nobody(Rule):
    """No row, for any principal (only the system writes such a table)."""


@dataclass(frozen=True)
class AllOf(Rule):
    """Every one of the rules holds."""

    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class AnyOf(Rule):
    """At least one of the rules holds."""

    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class OwnTenant(Rule):
    """The row's ``column`` names the acting principal's tenant."""

    column: str = "tenant_id"


@dataclass(frozen=True)
class ActingUser(Rule):
    """The row's ``column`` names the acting user."""

    column: str = "id"


@dataclass(frozen=True)
class InSecretariat(Rule):
    """The principal belongs to the Secretariat."""


@dataclass(frozen=True)
class HasRole(Rule):
    """The principal holds ``role``."""

    role: str


@dataclass(frozen=True)
class ValueIn(Rule):
    """The row's ``column`` holds one of ``values``."""

    column: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class ValueIsNot(Rule):
    """The row's ``column`` holds anything but ``value``."""

    column: str
    value: str


@dataclass(frozen=True)
class ReadableRow(Rule):
    """The row's ``column`` refers to a row of ``table`` the principal may read."""

    column: str
    table: str


@dataclass(frozen=True)
class OwnRow(Rule):
    """The row's ``column`` refers to a row of ``table`` owned by the principal's tenant."""

    column: str
    table: str


@dataclass(frozen=True)
class OwnEconomyBenefits(Rule):
    """A row of ``table`` pairs the row's ``column`` with the principal's economy.

    E.g. a response lists the principal's partner economy among its beneficiaries.
    """

    column: str
    table: str
    key: str
    economy_column: str = "economy_id"


# --- The application layer -------------------------------------------------------------


def to_sqlalchemy(rule: Rule, principal, table, resolve) -> ColumnElement[bool]:
    """Return ``rule`` as an SQL expression on ``table`` for ``principal``.

    ``table`` is the mapped class (so criteria follow aliases) or a Core table;
    ``resolve(name)`` returns ``(table, rule)`` of another record type, for rules that
    refer to rows of other tables.
    """

    def column(name: str):
        return _column_of(table, name)

    def compile_(rule: Rule):
        match rule:
            case Everyone():
                return true()
            case Nobody():
                return false()
            case AllOf(rules):
                return and_(*(compile_(part) for part in rules))
            case AnyOf(rules):
                return or_(*(compile_(part) for part in rules))
            case OwnTenant(name):
                return column(name) == principal.tenant_id
            case ActingUser(name):
                return column(name) == principal.user_id
            case InSecretariat():
                return true() if principal.in_secretariat else false()
            case HasRole(role):
                return true() if principal.has(role) else false()
            case ValueIn(name, values):
                return column(name).in_(values) if len(values) > 1 else column(name) == values[0]
            case ValueIsNot(name, value):
                return column(name) != value
            # A row refers to one other row: looked up by its key (EXISTS), so a page of
            # rows costs a lookup each, not a pass over every readable row of ``other``.
            case ReadableRow(name, other):
                other_table, other_rule = resolve(other)
                readable = to_sqlalchemy(other_rule, principal, other_table, resolve)
                return _referred(other_table, column(name), readable)
            case OwnRow(name, other):
                other_table, _ = resolve(other)
                owned = _column_of(other_table, "tenant_id") == principal.tenant_id
                return _referred(other_table, column(name), owned)
            case OwnEconomyBenefits(name, other, key, economy_column):
                if principal.economy_id is None:
                    return false()
                listing, _ = resolve(other)
                listed = select(_column_of(listing, key)).where(
                    _column_of(listing, economy_column) == principal.economy_id
                )
                return column(name).in_(listed)
        raise TypeError(f"not a visibility rule: {rule!r}")

    return compile_(rule)


def _referred(other_table, reference, condition) -> ColumnElement[bool]:
    """Return whether the row of ``other_table`` that ``reference`` names meets ``condition``.

    Correlated on the referring row alone: a query that also joins ``other_table`` (a
    user's roles joined to the users) must not correlate the lookup away.
    """
    return exists().where(_key(other_table) == reference, condition).correlate_except(other_table)


def _column_of(table, name: str):
    return getattr(table, name) if hasattr(table, "__mapper__") else table.c[name]


def _key(table):
    return _column_of(table, "id")


# --- PostgreSQL's row-level security ----------------------------------------------------


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def to_sql(
    rule: Rule,
    *,
    benefits_by_function: bool = False,
    table: str | None = None,
    benefits_by_key: bool = False,
    owner_by_function: bool = False,
) -> str:
    """Return ``rule`` as the condition of a row-level security policy.

    ``benefits_by_function`` (since the signed identity): ``OwnEconomyBenefits`` asks
    the function ``iisg_rows_benefiting`` (``portal.rls``) instead of naming the table
    in a subquery. A policy naming a table whose own policy has subqueries cannot be
    expanded inside that table's policies: the responses' policy names the
    beneficiaries, and the beneficiaries' write policy names the responses.

    ``table`` (since lookups by key): the policy's own table, so that ``ReadableRow``
    and ``OwnRow`` look up the one row referred to (a correlated EXISTS, which
    PostgreSQL may still hash when many rows are tested) instead of listing every
    readable row of the other table for each statement.

    ``benefits_by_key`` (since beneficiaries by key, with ``table``): ``OwnEconomyBenefits``
    looks up the row's own pairing (a correlated EXISTS, which PostgreSQL hashes when a
    statement tests many rows and looks up by key when it tests a page's), where the
    function built the set of every row benefiting, once in each statement that asked.
    The table consulted must then not consult back: ``owner_by_function`` makes its
    ``OwnRow`` a call of ``iisg_owns_row`` (``portal.rls``), walled when it runs.
    """
    options = {
        "benefits_by_function": benefits_by_function,
        "table": table,
        "benefits_by_key": benefits_by_key,
        "owner_by_function": owner_by_function,
    }
    match rule:
        case Everyone():
            return "true"
        case Nobody():
            return "false"
        case AllOf(rules):
            return " AND ".join(_grouped(part, **options) for part in rules)
        case AnyOf(rules):
            return " OR ".join(_grouped(part, **options) for part in rules)
        case OwnTenant(name):
            return f"{name} = iisg_tenant()"
        case ActingUser(name):
            return f"{name} = iisg_user()"
        case InSecretariat():
            return "iisg_in_secretariat()"
        case HasRole(role):
            return f"iisg_has_role({_quote(role)})"
        case ValueIn(name, values):
            if len(values) == 1:
                return f"{name} = {_quote(values[0])}"
            return f"{name} IN ({', '.join(_quote(value) for value in values)})"
        case ValueIsNot(name, value):
            return f"{name} <> {_quote(value)}"
        # The policy of ``other`` applies inside the subquery: readable rows only.
        case ReadableRow(name, other) if table:
            return f"EXISTS (SELECT FROM {other} AS referred WHERE referred.id = {table}.{name})"
        case ReadableRow(name, other):
            return f"{name} IN (SELECT id FROM {other})"
        case OwnRow(name, other) if owner_by_function:
            return f"iisg_owns_row({_quote(other)}, {name})"
        case OwnRow(name, other) if table:
            return (
                f"EXISTS (SELECT FROM {other} AS referred WHERE referred.id = {table}.{name}"
                " AND referred.tenant_id = iisg_tenant())"
            )
        case OwnRow(name, other):
            return f"{name} IN (SELECT id FROM {other} WHERE tenant_id = iisg_tenant())"
        case OwnEconomyBenefits(name, other, key, economy_column) if benefits_by_key and table:
            return (
                f"EXISTS (SELECT FROM {other} AS beneficiary"
                f" WHERE beneficiary.{key} = {table}.{name}"
                f" AND beneficiary.{economy_column} = iisg_economy())"
            )
        case OwnEconomyBenefits(name, other, key, economy_column) if benefits_by_function:
            arguments = ", ".join(_quote(value) for value in (other, key, economy_column))
            return f"{name} IN (SELECT iisg_rows_benefiting({arguments}))"
        case OwnEconomyBenefits(name, other, key, economy_column):
            # An uncorrelated IN is hashed once per statement; EXISTS ran per row.
            return (
                f"{name} IN (SELECT beneficiary.{key} FROM {other} AS beneficiary"
                f" WHERE beneficiary.{economy_column} = iisg_economy())"
            )
    raise TypeError(f"not a visibility rule: {rule!r}")


def _grouped(rule: Rule, **options) -> str:
    text = to_sql(rule, **options)
    return f"({text})" if isinstance(rule, AllOf | AnyOf) else text


def references(rule: Rule) -> set[str]:
    """Return the tables whose rows ``rule`` looks up."""
    match rule:
        case AllOf(rules) | AnyOf(rules):
            return set().union(*(references(part) for part in rules))
        case ReadableRow(_, other) | OwnRow(_, other) | OwnEconomyBenefits(_, other, _, _):
            return {other}
    return set()


def columns(rule: Rule) -> set[str]:
    """Return the names of the row's own columns ``rule`` asks about."""
    match rule:
        case AllOf(rules) | AnyOf(rules):
            return set().union(*(columns(part) for part in rules))
        case (
            OwnTenant(name)
            | ActingUser(name)
            | ValueIn(name, _)
            | ValueIsNot(name, _)
            | ReadableRow(name, _)
            | OwnRow(name, _)
            | OwnEconomyBenefits(name, _, _, _)
        ):
            return {name}
    return set()


def principal_facts(rule: Rule) -> set[str]:
    """Return the attributes of the principal that decide which rows ``rule`` allows.

    Two principals alike in these see the same rows of the rule's own table (rows it
    looks up in other tables follow those tables' rules): a result computed for one of
    them is the other's too.
    """
    match rule:
        case AllOf(rules) | AnyOf(rules):
            return set().union(*(principal_facts(part) for part in rules))
        case OwnTenant() | OwnRow():
            return {"tenant_id"}
        case ActingUser():
            return {"user_id"}
        case InSecretariat():
            return {"tenant_kind"}
        case HasRole():
            return {"roles"}
        case OwnEconomyBenefits():
            return {"economy_id"}
    return set()
