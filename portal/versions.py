"""Optimistic locking: the version a form was opened at, and what changed since.

Every form that changes a versioned record (a response, a support link) carries the
record's ``version`` and a signed snapshot of how the record read when the page was
drawn (``opened``). A save from a stale page is refused with the fields that changed
(then and now), so the user can compare, keep what they typed and decide again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm.exc import StaleDataError

from portal.exceptions import Conflict, ValidationFailed
from portal.extensions import db

_SALT = "portal.versions.opened"
# How each kind of versioned record reads to a person: label -> shown value, in order.
_DESCRIBERS: dict[type, Callable[[object], dict[str, str]]] = {}


class StaleVersion(Conflict):
    """Someone saved the record after the user opened it; ``changes`` says what differs."""

    code = "stale_version"

    def __init__(self, changes: list[tuple[str, str, str]], version: int | None = None):
        if changes:
            summary = "; ".join(f"{label}: “{then}” → “{now}”" for label, then, now in changes)
            message = f"Someone changed this record since you opened it. {summary}."
        else:
            message = "Someone changed this record since you opened it."
        message += " Nothing was saved: check the changes, then save again."
        super().__init__(message, {"version": "The record changed since you opened it."})
        self.changes = changes
        self.current_version = version


def describes(model: type):
    """Register the decorated function as the description of ``model``'s records."""

    def register(describe: Callable[[object], dict[str, str]]):
        _DESCRIBERS[model] = describe
        return describe

    return register


def describe(record) -> dict[str, str]:
    """Return how ``record`` reads now, field by field."""
    return _DESCRIBERS[type(record)](record)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def opened_token(record) -> str:
    """Return the signed snapshot of ``record`` that a form carries as ``opened``."""
    return _serializer().dumps(describe(record))


def _opened(token) -> dict[str, str] | None:
    if not isinstance(token, str) or not token:
        return None
    try:
        snapshot = _serializer().loads(token)
    except (BadSignature, ValueError, UnicodeError):
        return None
    return snapshot if isinstance(snapshot, dict) else None


def require_current(record, values: Mapping) -> None:
    """Refuse the change unless ``values`` were entered on the record's current version."""
    given = values.get("version")
    try:
        version = int(given)
    except (TypeError, ValueError):
        raise ValidationFailed(
            "Nothing was saved.",
            {"version": "The form does not say which version it was opened at; reload the page."},
        ) from None
    if version == record.version:
        return
    then = _opened(values.get("opened"))
    now = describe(record)
    changes = (
        [
            (label, then.get(label, ""), value)
            for label, value in now.items()
            if then.get(label) != value
        ]
        if then is not None
        else []
    )
    raise StaleVersion(changes, record.version)


def commit() -> None:
    """Commit, turning a save that lost a race with another one into StaleVersion."""
    try:
        db.session.commit()
    except StaleDataError:
        # The row changed between our read and our write: the version check in the
        # UPDATE matched nothing, and nothing of ours was written.
        db.session.rollback()
        raise StaleVersion([]) from None
