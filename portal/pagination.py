"""Pages of query results, counted by the database (the count kept while valid)."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from sqlalchemy import Select

from portal import kept_results
from portal.exceptions import ValidationFailed
from portal.extensions import db
from portal.limits import quoted

LARGEST_PAGE = 100
# How many page numbers a pager shows on either side of the current page.
NEARBY_PAGES = 2


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

    @property
    def numbers(self) -> list[int | None]:
        """Return the page numbers a pager offers: first, last, current ± 2; None for a gap.

        A gap of a single page shows that page instead: "…" never stands for one number.
        """
        low = max(1, self.number - NEARBY_PAGES)
        high = min(self.pages, self.number + NEARBY_PAGES)
        shown = {1, self.pages, *range(low, high + 1)}
        numbers: list[int | None] = []
        for number in sorted(shown):
            if numbers and number - numbers[-1] == 2:
                numbers.append(number - 1)
            elif numbers and number - numbers[-1] > 2:
                numbers.append(None)
            numbers.append(number)
        return numbers


def paginate(statement: Select, number: int, per_page: int) -> Page:
    """Return page ``number`` of ``statement``'s rows (ORM entities), and the total count."""
    per_page = max(1, min(per_page, LARGEST_PAGE))
    number = max(1, number)
    total = kept_results.total(statement)
    items = db.session.scalars(statement.limit(per_page).offset((number - 1) * per_page)).all()
    return Page(items=list(items), number=number, per_page=per_page, total=total)


def sort_choices(columns) -> str:
    """Return what a list may be sorted by, as its refusal of another sort names them."""
    return f"Sort by one of: {', '.join(columns)} (with - before it to sort descending)."


def ordering(columns: dict, query: dict, key) -> tuple:
    """Return the ORDER BY of a list sorted by ``query["sort"]`` (newest first by default).

    ``columns`` maps the names a list sorts by to columns; ``key`` breaks ties, so that
    pages never repeat or skip a row. Any other sort is refused naming the field, like a
    bad filter: the pages and the API share this one check.
    """
    sort = query.get("sort") or "-id"
    name = sort[1:] if sort.startswith("-") else sort
    if name not in columns:
        raise ValidationFailed(
            "Some filters need attention.",
            {"sort": f'There is no column "{quoted(name)}" to sort by. {sort_choices(columns)}'},
        )
    column = columns[name]
    descending = sort.startswith("-")
    first = column.desc() if descending else column.asc()
    if column is key:
        return (first,)
    return (first, key.desc() if descending else key.asc())


def contains(text: str) -> str:
    """Return a LIKE pattern matching ``text`` anywhere, its wildcards taken literally."""
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
