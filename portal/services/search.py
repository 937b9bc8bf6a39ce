"""The search across needs and responses: one box, the records the reader may see."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from portal import full_text
from portal.authz import can_read_records, require
from portal.extensions import db
from portal.identity import current_principal
from portal.models import Need, Response, Tenant
from portal.pagination import LARGEST_PAGE, Page


@dataclass(frozen=True)
class SearchResults:
    """What a search found: how many of each kind, and a page of the kind shown."""

    words: list[str]
    kind: str
    needs: int
    responses: int
    page: Page

    @property
    def most_counted(self) -> int:
        """Return the count beyond which a total reads "more than" it."""
        return MOST_COUNTED


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _needs(searched: list[str]) -> Select:
    return (
        select(Need)
        .options(joinedload(Need.cycle), joinedload(Need.tenant).joinedload(Tenant.economy))
        .where(full_text.need_matches(searched, _dialect()))
        .order_by(Need.id.desc())
    )


def _responses(searched: list[str]) -> Select:
    return (
        select(Response)
        .options(joinedload(Response.tenant), selectinload(Response.parties))
        .where(full_text.response_matches(searched, _dialect()))
        .order_by(Response.updated_at.desc(), Response.id.desc())
    )


# Beyond this many matches a search is counted as "more than" it: counting a word that
# every record holds reads them all (600 ms at 100,000 records), and nobody pages
# through a thousand results rather than adding a word.
MOST_COUNTED = 1000


def _total(statement: Select) -> int:
    """Return how many records match, up to one more than ``MOST_COUNTED``."""
    # Counted each time, never kept (portal.kept_results): which records hold a word
    # changes with the organisations' names too, whose changes the needs' version misses.
    counted = statement.order_by(None).limit(MOST_COUNTED + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(counted))


def _page(statement: Select, number: int, per_page: int) -> Page:
    per_page = max(1, min(per_page, LARGEST_PAGE))
    items = db.session.scalars(statement.limit(per_page).offset((number - 1) * per_page)).all()
    return Page(items=list(items), number=number, per_page=per_page, total=_total(statement))


def may_search() -> None:
    """Refuse a principal who may not read records (before a refused search is shown)."""
    require(can_read_records, current_principal())


def search(query: Mapping) -> SearchResults | None:
    """Return the needs and responses the principal can see that hold every word of ``q``.

    None when nothing was asked. Both totals count only what the reader may see (the
    scoping of every query applies, and row-level security), so no count reveals a
    record the reader may not read.
    """
    require(can_read_records, current_principal())
    if not query.get("q"):
        return None
    searched = full_text.words(query["q"])
    statements = {"needs": _needs(searched), "responses": _responses(searched)}
    kind = query.get("kind")
    totals = {}
    if kind is None:
        # The needs first, unless only responses hold the words.
        totals["needs"] = _total(statements["needs"])
        kind = "needs" if totals["needs"] else "responses"
    page = _page(statements[kind], query.get("page", 1), query.get("per_page", 25))
    totals[kind] = page.total
    for other in statements.keys() - totals.keys():
        totals[other] = _total(statements[other])
    return SearchResults(
        words=searched, kind=kind, needs=totals["needs"], responses=totals["responses"], page=page
    )
