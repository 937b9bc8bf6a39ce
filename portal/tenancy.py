"""The ONE place where visibility becomes SQL in the application.

Every ORM statement made while a principal is set (``portal.identity``) - SELECT,
UPDATE and DELETE, lazy loads included - gets the visibility criteria of each walled
entity it touches, through ``do_orm_execute`` and ``with_loader_criteria``. The criteria
are generated from the rules of the record-type registry (``portal.record_types``), the
same rules PostgreSQL's row-level security policies are generated from. Views and
services never filter by tenant themselves; an object the principal may not see is
simply not found.

Outside a signed-in request (sign-in itself, the command line) there is no principal and
the system acts unscoped.
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import lru_cache

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from portal.exceptions import NotFound
from portal.extensions import db
from portal.identity import Principal, current_principal
from portal.record_types import REGISTRY, SHARED_NEED_STATUSES
from portal.visibility import to_sqlalchemy

__all__ = [
    "SECRETARIAT_NEED_STATUSES",
    "SHARED_NEED_STATUSES",
    "application_scoping_on",
    "criteria_of",
    "get_visible",
    "set_application_scoping",
]

# The Secretariat reads every need its owner has sent it, whatever became of it.
SECRETARIAT_NEED_STATUSES = ("submitted", "returned", "withdrawn", "validated", "adopted")

# Tests switch the application layer off to prove row-level security holds alone.
_scoping_enabled: ContextVar[bool] = ContextVar("scoping_enabled", default=True)


def set_application_scoping(enabled: bool) -> None:
    """Switch the application layer of tenancy on or off (for tests of the database layer)."""
    _scoping_enabled.set(enabled)


def _resolve(table: str):
    record_type = REGISTRY[table]
    return record_type.model, record_type.read


def criteria_of(principal: Principal, table: str):
    """Return SQL true for the rows of ``table`` that ``principal`` may read."""
    model, rule = _resolve(table)
    return to_sqlalchemy(rule, principal, model, _resolve)


# Built once per principal and reused: the criteria are plain SQL expressions with the
# principal's ids as bound values, and building them (aliases, subqueries) on every
# statement cost more than half of a light page's time in the application.
@lru_cache(maxsize=256)
def _criteria(principal: Principal) -> tuple:
    return tuple(
        with_loader_criteria(
            record_type.model, criteria_of(principal, record_type.table), include_aliases=True
        )
        for record_type in REGISTRY.as_of()
        if record_type.scoped_in_application
    )


def application_scoping_on() -> bool:
    """Return whether the application layer scopes queries now (tests switch it off)."""
    if not _scoping_enabled.get():
        return False
    return not has_app_context() or current_app.config.get("TENANCY_APPLICATION_LAYER", True)


@event.listens_for(Session, "do_orm_execute")
def _scope_to_principal(state: ORMExecuteState) -> None:
    principal = current_principal()
    if principal is None or not application_scoping_on():
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    # Refreshing the columns of an object already loaded adds nothing to what is seen.
    if state.is_column_load:
        return
    state.statement = state.statement.options(*_criteria(principal))


def get_visible(model, object_id) -> object:
    """Return the object of ``model`` with ``object_id`` if the principal may see it.

    An object of another tenant, a deleted one and a non-existent one are all simply
    not found (404): the answer does not reveal which.
    """
    try:
        key = int(object_id)
    except (TypeError, ValueError):
        raise NotFound("There is no such record.") from None
    if not 0 < key < 2**31:
        # Ids are positive 32-bit integers; a number beyond them is not an id of anything
        # (and PostgreSQL and SQLite would refuse to compare it).
        raise NotFound("There is no such record.")
    found = db.session.scalar(
        select(model).where(model.id == key).execution_options(populate_existing=True)
    )
    if found is None:
        raise NotFound("There is no such record.")
    return found
