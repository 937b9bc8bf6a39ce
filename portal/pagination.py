"""Pages of query results, counted by the database (the count kept while valid)."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from sqlalchemy import Select

from portal import kept_results
from portal.extensions import db

LARGEST_PAGE = 100


@dataclass(frozen=True)
class Page:
    items: list
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """Return how many pages there are (at least one, even when empty)."""
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def paginate(statement: Select, number: int, per_page: int) -> Page:
    """Return page ``number`` of ``statement``'s rows (ORM entities), and the total count."""
    per_page = max(1, min(per_page, LARGEST_PAGE))
    number = max(1, number)
    total = kept_results.total(statement)
    items = db.session.scalars(statement.limit(per_page).offset((number - 1) * per_page)).all()
    return Page(items=list(items), number=number, per_page=per_page, total=total)


def ordering(columns: dict, query: dict, key) -> tuple:
    """Return the ORDER BY of a list sorted by ``query["sort"]`` (newest first by default).

    ``columns`` maps the names a list sorts by to columns; ``key`` breaks ties, so that
    pages never repeat or skip a row.
    """
    sort = query.get("sort") or "-id"
    column = columns[sort.lstrip("-")]
    descending = sort.startswith("-")
    first = column.desc() if descending else column.asc()
    if column is key:
        return (first,)
    return (first, key.desc() if descending else key.asc())


def contains(text: str) -> str:
    """Return a LIKE pattern matching ``text`` anywhere, its wildcards taken literally."""
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
