"""Needs of the partners: drafted and submitted by their editors, judged by the Secretariat.

Every change to an existing need names the version it was opened at (``portal.versions``):
when someone else saved in between, the change is refused and the user is told what
changed, field by field, instead of silently overwriting it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from portal.authz import (
    can_carry_over_need,
    can_create_need,
    can_delete_need,
    can_edit_need,
    can_read_records,
    can_return_need,
    can_submit_need,
    can_validate_need,
    can_withdraw_need,
    require,
)
from portal.exceptions import Conflict, ValidationFailed
from portal.extensions import db
from portal.identity import current_principal
from portal.limits import quoted
from portal.models import (
    AcquisChapter,
    Cycle,
    Need,
    NeedCategory,
    PartnerEconomy,
    Perspective,
    Pillar,
    SupportLink,
    Tenant,
    need_acquis_chapters,
)
from portal.models.base import utc_now
from portal.models.need import PRIORITIES
from portal.need_codes import assign_codes, is_code_clash
from portal.pagination import Page, contains, ordering, paginate
from portal.services.cycles import current_open_cycle
from portal.tenancy import get_visible
from portal.versions import describes, require_current, save_change

# A partner's other organisations may hold codes this one cannot read (row-level
# security): a clash with one is retried with the following numbers, this many times.
CODE_ATTEMPTS = 20
# Who may take each action, and from where, said once for every refusal message.
RULES = {
    "edit": "Editors of the owning partner change draft or returned needs until the cycle is"
    " adopted.",
    "submit": "Editors of the owning partner submit draft or returned needs until the cycle is"
    " adopted.",
    "return": "Secretariat editors return submitted needs until the cycle is adopted.",
    "validate": "Secretariat editors validate submitted needs until the cycle is adopted.",
    "withdraw": "Editors of the owning partner withdraw their needs until the cycle is adopted.",
    "carry over": "Editors of the owning partner carry needs of an adopted cycle over into the"
    " open one.",
    "create": "Editors of a partner draft new needs while a cycle is open.",
    "delete": "Editors of the owning partner delete needs while they are drafts; a need once"
    " submitted is withdrawn instead.",
}
# What the lists sort by (a leading "-": descending), on the pages and in the API; the
# newest first unless asked. Priority sorts by rank, high first, not alphabetically.
SORT_COLUMNS = {
    "id": Need.id,
    "code": Need.code,
    "title": Need.title,
    "status": Need.status,
    "priority": case({name: rank for rank, name in enumerate(PRIORITIES)}, value=Need.priority),
    "created_at": Need.created_at,
    "updated_at": Need.updated_at,
}
SORTABLE = tuple(SORT_COLUMNS)
# How many records an export reads from the database at a time.
EXPORT_BATCH = 500


@dataclass(frozen=True)
class NeedActions:
    """What the principal may do to one need, for the page to offer."""

    edit: bool
    submit: bool
    return_: bool
    validate: bool
    withdraw: bool
    carry_over: bool

    @property
    def any(self) -> bool:
        return any((self.submit, self.return_, self.validate, self.withdraw))


class FilterChoices:
    """The values each filter of the needs list offers, each read when first asked for.

    The list page shows them all; the API resolves only the filters it was given.
    """

    @staticmethod
    def _ordered(model, *order) -> list:
        return list(db.session.scalars(select(model).order_by(*order)))

    @cached_property
    def cycles(self) -> list[Cycle]:
        return self._ordered(Cycle, Cycle.starts_on.desc())

    @cached_property
    def pillars(self) -> list[Pillar]:
        return self._ordered(Pillar, Pillar.position, Pillar.code)

    @cached_property
    def economies(self) -> list[PartnerEconomy]:
        return self._ordered(PartnerEconomy, PartnerEconomy.position, PartnerEconomy.code)

    @cached_property
    def categories(self) -> list[NeedCategory]:
        return self._ordered(NeedCategory, NeedCategory.position, NeedCategory.code)

    @cached_property
    def perspectives(self) -> list[Perspective]:
        return self._ordered(Perspective, Perspective.position, Perspective.code)

    @cached_property
    def chapters(self) -> list[AcquisChapter]:
        return self._ordered(AcquisChapter, AcquisChapter.number)


def _refusal(need: Need, verb: str) -> str:
    frozen = " and the cycle is adopted" if need.cycle.status in ("adopted", "archived") else ""
    return (
        f"You cannot {verb} this need: it is {need.status}{frozen}"
        f" (cycle {need.cycle.name}, {need.cycle.status}). {RULES[verb]}"
    )


@describes(Need, "need")
def _describe_need(need: Need) -> dict[str, str]:
    """Return how a need reads on its page, field by field, for showing what changed."""
    return {
        "Pillar": need.pillar.code,
        "Category": need.category.name,
        "Perspective": need.perspective.name,
        "Title": need.title,
        "Description": need.description,
        "Acquis chapters": ", ".join(str(chapter.number) for chapter in need.acquis_chapters),
        "Source or strategy": need.source_reference or "",
        "Priority": need.priority,
        "Status": need.status,
        "Secretariat's comment": need.return_comment or "",
    }


def _by_code(model, code: str | None, field: str, label: str, problems: dict):
    if code is None:
        return None
    found = db.session.scalar(select(model).where(model.code == code))
    if found is None:
        problems[field] = f"There is no {label} {quoted(code)}."
    return found


def need_values(data: dict) -> dict:
    """Turn the codes and numbers of a need's form (NeedSchema) into the values to store.

    Refuses, naming each field, the codes that name nothing.
    """
    require(can_read_records, current_principal())
    problems: dict[str, str] = {}
    values = {
        "pillar": _by_code(Pillar, data["pillar"], "pillar", "pillar", problems),
        "category": _by_code(NeedCategory, data["category"], "category", "category", problems),
        "perspective": _by_code(
            Perspective, data["perspective"], "perspective", "perspective", problems
        ),
    }
    numbers = sorted(set(data["acquis_chapters"]))
    chapters = list(
        db.session.scalars(select(AcquisChapter).where(AcquisChapter.number.in_(numbers)))
    )
    unknown = sorted(set(numbers) - {chapter.number for chapter in chapters})
    if unknown:
        problems["acquis_chapters"] = f"There is no acquis chapter {unknown[0]}."
    if problems:
        raise ValidationFailed("Nothing was saved.", problems)
    values["acquis_chapters"] = sorted(chapters, key=lambda chapter: chapter.number)
    values["title"] = data["title"].strip()
    values["description"] = data["description"].strip()
    values["source_reference"] = data["source_reference"].strip()
    values["priority"] = data["priority"]
    # Touch the row itself, so that a change of its chapters alone moves the version too.
    values["updated_at"] = utc_now()
    return values


def filter_choices() -> FilterChoices:
    """Return the values the filters of the needs list offer."""
    require(can_read_records, current_principal())
    return FilterChoices()


def list_needs(query: dict, choices: FilterChoices) -> Page:
    """Return one page of the needs the principal may see, filtered as asked."""
    require(can_read_records, current_principal())
    return paginate(_filtered(query, choices), query["page"], query["per_page"])


def export_needs(query: dict, choices: FilterChoices) -> Select:
    """Return the query of every need the principal may see, filtered as the list is.

    The filters are checked now; the query is read later, a batch at a time.
    """
    require(can_read_records, current_principal())
    return _filtered(query, choices).execution_options(yield_per=EXPORT_BATCH)


def _filtered(query: dict, choices: FilterChoices):
    problems: dict[str, str] = {}

    def pick(choice, attribute, field, label):
        wanted = query.get(field)
        if wanted is None:
            return None
        options = getattr(choices, choice)
        found = next((option for option in options if getattr(option, attribute) == wanted), None)
        if found is None:
            problems[field] = f"There is no {label} {quoted(wanted)}."
        return found

    cycle = pick("cycles", "name", "cycle", "cycle")
    pillar = pick("pillars", "code", "pillar", "pillar")
    economy = pick("economies", "code", "partner", "partner")
    category = pick("categories", "code", "category", "category")
    perspective = pick("perspectives", "code", "perspective", "perspective")
    chapter = pick("chapters", "number", "chapter", "acquis chapter")
    if problems:
        raise ValidationFailed("Some filters need attention.", problems)

    statement = select(Need).options(
        joinedload(Need.cycle),
        joinedload(Need.tenant).joinedload(Tenant.economy),
        joinedload(Need.pillar),
        joinedload(Need.category),
        joinedload(Need.perspective),
        selectinload(Need.acquis_chapters),
    )
    conditions = []
    for column, chosen in (
        (Need.cycle_id, cycle),
        (Need.pillar_id, pillar),
        (Need.category_id, category),
        (Need.perspective_id, perspective),
    ):
        if chosen is not None:
            conditions.append(column == chosen.id)
    if economy is not None:
        conditions.append(
            Need.tenant_id.in_(select(Tenant.id).where(Tenant.economy_id == economy.id))
        )
    if chapter is not None:
        conditions.append(
            Need.id.in_(
                select(need_acquis_chapters.c.need_id).where(
                    need_acquis_chapters.c.chapter_id == chapter.id
                )
            )
        )
    if query.get("status"):
        conditions.append(Need.status == query["status"])
    if query.get("priority"):
        conditions.append(Need.priority == query["priority"])
    if query.get("mine"):
        # Narrows what scoping already lets the reader see; never widens it.
        conditions.append(Need.tenant_id == current_principal().tenant_id)
    if query.get("q", "").strip():
        pattern = contains(query["q"])
        organisations = select(Tenant.id).where(func.lower(Tenant.name).like(pattern, escape="\\"))
        conditions.append(
            or_(
                func.lower(Need.code).like(pattern, escape="\\"),
                func.lower(Need.title).like(pattern, escape="\\"),
                func.lower(Need.description).like(pattern, escape="\\"),
                Need.tenant_id.in_(organisations),
            )
        )
    return statement.where(*conditions).order_by(*ordering(SORT_COLUMNS, query, Need.id))


def get_need(need_id) -> Need:
    """Return the need with ``need_id`` if the principal may see it, or raise NotFound."""
    require(can_read_records, current_principal())
    return get_visible(Need, need_id)


STEP_POLICIES = {
    "submit": can_submit_need,
    "return": can_return_need,
    "validate": can_validate_need,
    "withdraw": can_withdraw_need,
    "delete": can_delete_need,
}


def get_need_for(step: str, need_id) -> Need:
    """Return the need with ``need_id`` if the principal may see it and take ``step`` on it.

    For the API, which refuses what the caller may not do before it reads the version
    and the body they sent (404, then 403, then the rest).
    """
    need = get_need(need_id)
    require(STEP_POLICIES[step], current_principal(), need, message=_refusal(need, step))
    return need


def get_need_for_edit(need_id) -> Need:
    """Return the need with ``need_id`` if the principal may see and change it."""
    need = get_need(need_id)
    require(can_edit_need, current_principal(), need, message=_refusal(need, "edit"))
    return need


def closed_cycles() -> list[Cycle]:
    """Return the adopted and archived cycles, the newest first."""
    require(can_read_records, current_principal())
    return list(
        db.session.scalars(
            select(Cycle)
            .where(Cycle.status.in_(("adopted", "archived")))
            .order_by(Cycle.starts_on.desc())
        )
    )


def carried_over_from(need: Need) -> list[Need]:
    """Return the visible needs of later cycles that continue ``need``."""
    require(can_read_records, current_principal())
    statement = (
        select(Need)
        .options(joinedload(Need.cycle))
        .where(Need.previous_need_id == need.id)
        .order_by(Need.id)
    )
    return list(db.session.scalars(statement))


def allowed_actions(need: Need) -> NeedActions:
    """Return what the principal may do to ``need``, so the page offers exactly that."""
    principal = current_principal()
    require(can_read_records, principal)
    target = current_open_cycle()
    return NeedActions(
        edit=can_edit_need(principal, need),
        submit=can_submit_need(principal, need),
        return_=can_return_need(principal, need),
        validate=can_validate_need(principal, need),
        withdraw=can_withdraw_need(principal, need),
        carry_over=target is not None and can_carry_over_need(principal, need, target),
    )


def may_create_need() -> bool:
    """Return whether the principal may draft a new need now."""
    principal = current_principal()
    require(can_read_records, principal)
    return can_create_need(principal, current_open_cycle())


def open_cycle_for_needs() -> Cycle:
    """Return the open cycle if the principal may draft a need in it, else refuse."""
    cycle = current_open_cycle()
    require(can_create_need, current_principal(), cycle, message=RULES["create"])
    return cycle


def _save_new(build: Callable[[], list[Need]]) -> list[Need]:
    """Add and commit the needs ``build`` makes, each under the next free code."""
    for skipped in range(CODE_ATTEMPTS):
        needs = build()
        assign_codes(db.session, needs, skip=skipped)
        db.session.add_all(needs)
        try:
            db.session.commit()
        except IntegrityError as error:
            db.session.rollback()
            if not is_code_clash(error):
                raise
            continue
        return needs
    raise Conflict(
        "Someone else was saving needs with the same codes; nothing was saved. Try again."
    )


def create_need(data: dict) -> Need:
    """Draft a new need of the principal's partner in the open cycle (data: NeedSchema)."""
    principal = current_principal()
    cycle = current_open_cycle()
    require(can_create_need, principal, cycle, message=RULES["create"])
    [need] = _save_new(
        lambda: [
            Need(cycle=cycle, tenant_id=principal.tenant_id, status="draft", **need_values(data))
        ]
    )
    return need


def update_need(need: Need, data: dict) -> Need:
    """Change a draft or returned need unless it changed since (data: NeedEditSchema)."""
    require(can_edit_need, current_principal(), need, message=_refusal(need, "edit"))
    return save_change(need, data, **need_values(data))


def delete_need(need: Need, data: dict) -> None:
    """Delete a draft need, unless a support link already names it."""
    require(can_delete_need, current_principal(), need, message=_refusal(need, "delete"))
    require_current(need, data)
    linked = db.session.scalar(select(func.count()).where(SupportLink.need_id == need.id))
    if linked:
        raise Conflict(
            f"This draft is named by {linked} support link(s); withdraw them first, or "
            "withdraw the need instead. Nothing was deleted."
        )
    db.session.delete(need)
    db.session.commit()


def submit_need(need: Need, data: dict) -> Need:
    """Send a draft or returned need to the Secretariat for validation."""
    require(can_submit_need, current_principal(), need, message=_refusal(need, "submit"))
    return save_change(need, data, status="submitted")


def return_need(need: Need, data: dict) -> Need:
    """Send a submitted need back to its owner with the Secretariat's comment."""
    require(can_return_need, current_principal(), need, message=_refusal(need, "return"))
    return save_change(need, data, status="returned", return_comment=data["comment"].strip())


def validate_need(need: Need, data: dict) -> Need:
    """Accept a submitted need; the Board's adoption of the cycle will adopt it."""
    require(can_validate_need, current_principal(), need, message=_refusal(need, "validate"))
    return save_change(need, data, status="validated")


def withdraw_need(need: Need, data: dict) -> Need:
    """Withdraw a need its owner no longer puts forward."""
    require(can_withdraw_need, current_principal(), need, message=_refusal(need, "withdraw"))
    return save_change(need, data, status="withdrawn")


@dataclass(frozen=True)
class CarryOverCandidate:
    need: Need
    carried_into: Need | None


def carry_over_candidates(query: dict) -> tuple[Cycle | None, Cycle | None, list]:
    """Return the chosen closed cycle, the open cycle and the needs that may move on."""
    principal = current_principal()
    require(can_read_records, principal)
    target = current_open_cycle()
    closed = closed_cycles()
    source = next((cycle for cycle in closed if cycle.name == query["cycle"]), None)
    if query["cycle"] and source is None:
        raise ValidationFailed(
            "Choose an adopted cycle.",
            {"cycle": f"There is no adopted cycle {quoted(query['cycle'])}."},
        )
    source = source or (closed[0] if closed else None)
    if source is None or target is None:
        return source, target, []
    needs = db.session.scalars(
        select(Need)
        .options(joinedload(Need.pillar), joinedload(Need.tenant).joinedload(Tenant.economy))
        .where(Need.cycle_id == source.id)
        .order_by(Need.id)
    ).all()
    # Which needs are the principal's to carry over is the policy's call, row by row;
    # the query itself is scoped by tenancy like any other.
    mine = [need for need in needs if can_carry_over_need(principal, need, target)]
    copies = {
        copy.previous_need_id: copy
        for copy in db.session.scalars(
            select(Need).where(
                Need.cycle_id == target.id,
                Need.previous_need_id.in_([need.id for need in mine]),
            )
        )
    }
    return source, target, [CarryOverCandidate(need, copies.get(need.id)) for need in mine]


def carry_over_needs(data: dict) -> list[Need]:
    """Copy chosen needs of an adopted cycle into the open cycle as new drafts, with lineage."""
    principal = current_principal()
    target = current_open_cycle()
    wanted = sorted(set(data["need_ids"]))
    needs = {need.id: need for need in db.session.scalars(select(Need).where(Need.id.in_(wanted)))}
    unknown = [need_id for need_id in wanted if need_id not in needs]
    if unknown:
        raise ValidationFailed(
            "Nothing was carried over.", {"need_ids": f"There is no need {unknown[0]}."}
        )
    if target is None:
        raise ValidationFailed(
            "Nothing was carried over.", {"need_ids": "No cycle is open to carry needs into."}
        )
    for need in needs.values():
        require(can_carry_over_need, principal, need, target, message=_refusal(need, "carry over"))
    already = db.session.scalars(
        select(Need).where(Need.cycle_id == target.id, Need.previous_need_id.in_(wanted))
    ).first()
    if already is not None:
        original = needs[already.previous_need_id]
        raise ValidationFailed(
            "Nothing was carried over.",
            {"need_ids": f"“{original.title}” is already carried over into {target.name}."},
        )
    # Copies are numbered in the order of the originals.
    return _save_new(lambda: [_copy(needs[need_id], target) for need_id in wanted])


def _copy(need: Need, cycle: Cycle) -> Need:
    """Return a new draft of ``need`` in ``cycle`` that remembers where it came from."""
    return Need(
        cycle=cycle,
        tenant_id=need.tenant_id,
        pillar=need.pillar,
        category=need.category,
        perspective=need.perspective,
        title=need.title,
        description=need.description,
        source_reference=need.source_reference,
        priority=need.priority,
        acquis_chapters=list(need.acquis_chapters),
        status="draft",
        previous_need=need,
    )
