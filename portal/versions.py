"""Optimistic locking: the version a form was opened at, and what changed since.

Every versioned record (a need, a response, a support link, a cycle) has a ``version``
that the database raises on each save. A form that changes one carries the ``version``
it was opened at and a signed snapshot of how the record read then (``opened``). Only
the version number decides: a save from an older version is refused, so it could as well
arrive as an HTTP ``If-Match`` header. The snapshot only explains the refusal: the fields
that changed, then and now, so the user can compare, keep what they typed and decide again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm.exc import StaleDataError

from portal.exceptions import Conflict, ValidationFailed
from portal.extensions import db
from portal.limits import shown

_SALT = "portal.versions.opened"
LARGEST_VERSION = 2**31 - 1
# The longest signed snapshot a form may carry. A need's, with 10,000 characters of
# description in any script, takes less than half of it.
LONGEST_OPENED = 200_000
MISSING_VERSION = "The form does not say which version it was opened at; reload the page."


@dataclass(frozen=True)
class _Kind:
    noun: str
    describe: Callable[[object], dict[str, str]]


# Set inside ``saved_together``: saves flush, and the caller commits them as one.
_together: ContextVar[bool] = ContextVar("portal_versions_saved_together", default=False)
# How each kind of versioned record reads to a person: its noun, and label -> shown value.
_KINDS: dict[type, _Kind] = {}


class StaleVersion(Conflict):
    """Someone saved the record after the user opened it; ``changes`` says what differs."""

    code = "stale_version"

    def __init__(
        self,
        changes: list[tuple[str, str, str]],
        version: int | None = None,
        noun: str = "record",
    ):
        message = f"This {noun} changed since you opened the page, so nothing was saved."
        if changes:
            summary = "; ".join(f"{label}: “{then}” → “{now}”" for label, then, now in changes)
            message += f" What changed: {summary}."
        message += " Check it, then try again."
        super().__init__(message, {"version": f"The {noun} changed since you opened the page."})
        self.changes = changes
        self.current_version = version
        self.noun = noun


def describes(model: type, noun: str = "record"):
    """Register the decorated function as the description of ``model``'s records."""

    def register(describe: Callable[[object], dict[str, str]]):
        _KINDS[model] = _Kind(noun, describe)
        return describe

    return register


def describe(record) -> dict[str, str]:
    """Return how ``record`` reads now, field by field."""
    return _KINDS[type(record)].describe(record)


def _noun(record) -> str:
    kind = _KINDS.get(type(record))
    return kind.noun if kind else "record"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def opened_token(record) -> str:
    """Return the signed snapshot of ``record`` that a form carries as ``opened``."""
    return _serializer().dumps(describe(record))


def carried(posted: Mapping, error: Exception | None) -> dict[str, str] | None:
    """Return the version fields a form shown again after ``error`` keeps, if any.

    The form shows what the user typed, so it stays based on the version they started
    from; only after a stale refusal (they have now seen the changes) is it based on the
    record as it is now, which the page then takes from the record.
    """
    if isinstance(error, StaleVersion) or not posted.get("version"):
        return None
    # Kept as far as the form could have sent them: a version of at most ten digits, and
    # a snapshot only if this portal signed it (anything else is never shown again).
    opened = posted.get("opened")
    if not isinstance(opened, str) or len(opened) > LONGEST_OPENED or _opened(opened) is None:
        opened = ""
    return {"version": shown(posted["version"], len(str(LARGEST_VERSION))), "opened": opened}


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
        raise ValidationFailed("Nothing was saved.", {"version": MISSING_VERSION}) from None
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
    raise StaleVersion(changes, record.version, _noun(record))


@contextmanager
def saved_together():
    """Make the saves inside the block flush instead of commit; the caller commits them all.

    A bulk action takes each record through its own action's service function (policy,
    status rule, version check): each save is flushed, so its version check runs, and is
    committed with the others or rolled back with them.
    """
    token = _together.set(True)
    try:
        yield
    finally:
        _together.reset(token)


def commit(record=None) -> None:
    """Commit, turning a save that lost a race with another one into StaleVersion."""
    try:
        if _together.get():
            db.session.flush()
        else:
            db.session.commit()
    except StaleDataError:
        # The row changed between our read and our write: the version check in the
        # UPDATE matched nothing, and nothing of ours was written.
        db.session.rollback()
        raise StaleVersion([], noun=_noun(record)) from None


def save_change(record, data: Mapping, check: Callable[[], None] | None = None, **values):
    """Set ``values`` on ``record`` and commit, if ``data`` was entered on its current version.

    ``check`` (a precondition such as the record's status) runs once the version is known
    to be current, so a refusal it raises speaks of the record as the user saw it.
    """
    require_current(record, data)
    if check is not None:
        check()
    # Replacing a collection loads the old one first; a flush before every value is set
    # would save the record twice and count two versions for one change.
    with db.session.no_autoflush:
        for name, value in values.items():
            setattr(record, name, value)
    commit(record)
    return record
