"""Bulk actions of the Secretariat: validating or returning several needs, validating links.

Each chosen record goes through the very service function its own button calls
(``needs.validate_need``, ``needs.return_need``, ``support_links.validate_link``): the
same policy, status rule and version check, so there is one rule for one record and for
many. The saves are committed together or not at all (``portal.versions.saved_together``):
one refused record refuses the whole selection, nothing is changed and nothing audited,
and the refusal names every record refused and why. Saved, each change is audited as
its single action is, all under the request's one id, with the bulk action as the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from audit import context as audit_context
from portal.authz import (
    can_judge_links,
    can_judge_needs,
    can_read_records,
    can_validate_need,
    require,
)
from portal.database import begin_writing
from portal.exceptions import DomainError, NotFound
from portal.extensions import db
from portal.identity import current_principal
from portal.models import Need, Response, SupportLink, Tenant
from portal.pagination import Page, paginate
from portal.schemas.bulk import Selected
from portal.services import needs as need_service
from portal.services import support_links as link_service
from portal.versions import saved_together

# The status of a refused selection, from its gravest refusal: a record the reader may
# not see (as its own page answers), one they may not act on, then a clash of state.
_GRAVITY = (404, 403, 409, 422)


@dataclass(frozen=True)
class Refusal:
    """One chosen record that cannot take the action now, and why."""

    record: str
    reason: str
    status: int


class SelectionRefused(DomainError):
    """Some chosen records cannot take the action: nothing was changed; ``refusals`` says why."""

    code = "selection_refused"

    def __init__(self, verb: str, noun: str, chosen: int, refusals: Sequence[Refusal]):
        refused = len(refusals)
        super().__init__(
            f"Nothing was {verb}: {refused} of the {chosen} chosen {_plural(noun, chosen)}"
            f" cannot be {verb} now. Deselect {'it' if refused == 1 else 'them'}, or reload"
            " the list, and try again.",
            {"selected": "; ".join(f"{item.record}: {item.reason}" for item in refusals)},
        )
        self.refusals = list(refusals)
        statuses = {item.status for item in refusals}
        self.status = next((status for status in _GRAVITY if status in statuses), 409)


@dataclass(frozen=True)
class BulkOutcome:
    """What a bulk action did: its verb, the noun of its records, and each record's name."""

    verb: str
    noun: str
    records: list[str]

    @property
    def summary(self) -> str:
        """Return the sentence the page shows: "Validated 7 needs: 2026-AL-WBCTi-001, …"."""
        count = len(self.records)
        return (
            f"{self.verb.capitalize()} {count} {_plural(self.noun, count)}: "
            + ", ".join(self.records)
            + "."
        )


def _plural(noun: str, count: int) -> str:
    return noun if count == 1 else f"{noun}s"


def may_judge_needs() -> bool:
    """Return whether the principal validates and returns needs, to offer the checkboxes."""
    principal = current_principal()
    require(can_read_records, principal)
    return can_judge_needs(principal)


def may_judge_links() -> bool:
    """Return whether the principal validates links, to offer the checkboxes."""
    principal = current_principal()
    require(can_read_records, principal)
    return can_judge_links(principal)


def require_needs_judge() -> None:
    """Refuse (403) a principal who does not validate or return needs, before reading input."""
    require(can_judge_needs, current_principal(), message=need_service.RULES["validate"])


def require_links_judge() -> None:
    """Refuse (403) a principal who does not validate links, before reading input."""
    require(
        can_judge_links,
        current_principal(),
        message="Secretariat editors validate the links the needs' partners confirmed.",
    )


def judgeable_needs(needs: Sequence[Need]) -> set[int]:
    """Return the ids of ``needs`` the principal may validate or return now (checkboxes)."""
    principal = current_principal()
    require(can_read_records, principal)
    return {need.id for need in needs if can_validate_need(principal, need)}


def links_waiting(query: Mapping) -> Page:
    """Return a page of the confirmed links the principal can see, the longest waiting first."""
    require(can_read_records, current_principal())
    statement = (
        select(SupportLink)
        .where(SupportLink.status == "confirmed")
        .options(
            joinedload(SupportLink.need).joinedload(Need.tenant).joinedload(Tenant.economy),
            joinedload(SupportLink.need).joinedload(Need.cycle),
            joinedload(SupportLink.response).joinedload(Response.tenant),
        )
        .order_by(SupportLink.confirmed_at, SupportLink.id)
    )
    return paginate(statement, query["page"], query["per_page"])


def named_needs(selected: Sequence[Selected]) -> list[str]:
    """Return the codes of the chosen needs, to ask about them; one not seen, by its number."""
    require(can_read_records, current_principal())
    ids = [choice.id for choice in selected]
    found = {need.id: need for need in db.session.scalars(select(Need).where(Need.id.in_(ids)))}
    return [_need_named(found[id_]) if id_ in found else f"need {id_}" for id_ in ids]


def named_links(selected: Sequence[Selected]) -> list[str]:
    """Return how the chosen links read, to ask about them; one not seen, by its number."""
    require(can_read_records, current_principal())
    ids = [choice.id for choice in selected]
    statement = (
        select(SupportLink)
        .where(SupportLink.id.in_(ids))
        .options(joinedload(SupportLink.need), joinedload(SupportLink.response))
    )
    found = {link.id: link for link in db.session.scalars(statement)}
    return [_link_named(found[id_]) if id_ in found else f"link {id_}" for id_ in ids]


def validate_needs(data: Mapping) -> BulkOutcome:
    """Validate every chosen submitted need, or none (data: BulkSelectionSchema)."""
    require_needs_judge()
    return _each(
        data["selected"],
        need_service.get_need,
        need_service.validate_need,
        _need_named,
        verb="validated",
        noun="need",
    )


def return_needs(data: Mapping) -> BulkOutcome:
    """Return every chosen submitted need with one comment, or none (data: BulkReturnSchema)."""
    require_needs_judge()
    return _each(
        data["selected"],
        need_service.get_need,
        need_service.return_need,
        _need_named,
        verb="returned",
        noun="need",
        comment=data["comment"],
    )


def validate_links(data: Mapping) -> BulkOutcome:
    """Validate every chosen confirmed link, or none (data: BulkSelectionSchema)."""
    require_links_judge()
    return _each(
        data["selected"],
        link_service.get_link,
        link_service.validate_link,
        _link_named,
        verb="validated",
        noun="link",
    )


def _need_named(need: Need) -> str:
    return need.code or f"need {need.id}"


def _link_named(link: SupportLink) -> str:
    return f"link {link.id} ({link.need.code} ← {link.response.title})"


def _each(
    selected: Sequence[Selected],
    fetch: Callable[[int], object],
    action: Callable[[object, dict], object],
    named: Callable[[object], str],
    *,
    verb: str,
    noun: str,
    **values,
) -> BulkOutcome:
    """Take ``action`` on every chosen record in one transaction: all of them, or none."""
    reason = f"Bulk action: {verb} {len(selected)} {_plural(noun, len(selected))} together"
    done: list[str] = []
    refusals: list[Refusal] = []
    with audit_context.acting(reason=reason), saved_together():
        # Nothing half-done is left over from the request, and on SQLite the write lock is
        # taken now, so no other writer can come between the checks and the commit.
        db.session.rollback()
        begin_writing(db.session)
        for choice in selected:
            try:
                record = fetch(choice.id)
            except NotFound:
                # Worded alike for a record that does not exist and one the reader may not
                # see: the answer must not tell them apart.
                refusals.append(Refusal(f"{noun} {choice.id}", f"There is no such {noun}.", 404))
                continue
            name = named(record)
            try:
                action(record, {"version": choice.version, "opened": "", **values})
            except DomainError as error:
                refusals.append(Refusal(name, error.message, error.status))
            else:
                done.append(name)
        if refusals:
            db.session.rollback()
            raise SelectionRefused(verb, noun, len(selected), refusals)
        db.session.commit()
    return BulkOutcome(verb, noun, done)
