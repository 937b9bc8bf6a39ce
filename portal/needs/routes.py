"""Needs pages: the filtered list, one need, drafting and editing, the workflow, carry-over."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from portal.bulk_pages import bulk_action
from portal.exceptions import DomainError
from portal.limits import refill
from portal.models.need import NEED_STATUSES, PRIORITIES
from portal.schemas.bulk import BulkReturnSchema, BulkSelectionSchema
from portal.schemas.forms import load_form
from portal.schemas.needs import (
    CarryOverQuerySchema,
    CarryOverSchema,
    NeedEditSchema,
    NeedListQuerySchema,
    NeedReturnSchema,
    NeedSchema,
)
from portal.schemas.versions import VersionedSchema
from portal.services import audit as audit_service
from portal.services import bulk, exports, support_links
from portal.services import needs as need_service
from portal.views import (
    CORRECTABLE,
    Confirmation,
    ListPageQuery,
    act,
    download,
    form_page,
    list_page,
    offers_own_organisation,
    without_format,
)

blueprint = Blueprint("needs", __name__, url_prefix="/needs")


class NeedListPageQuery(NeedListQuerySchema, ListPageQuery):
    """The needs list's filters, sort and "my organisation", as its page and export take them."""


def _filter_options(choices) -> dict[str, list[tuple]]:
    """Return the (value, label) pairs of each filter of the list."""
    return {
        "cycle": [(cycle.name, f"{cycle.name} ({cycle.status})") for cycle in choices.cycles],
        "partner": [(economy.code, economy.display_name) for economy in choices.economies],
        "pillar": [(pillar.code, f"{pillar.code} – {pillar.name}") for pillar in choices.pillars],
        "category": [(category.code, category.name) for category in choices.categories],
        "perspective": [(item.code, item.name) for item in choices.perspectives],
        "status": [(status, status) for status in NEED_STATUSES],
        "priority": [(priority, priority) for priority in PRIORITIES],
        "chapter": [
            (chapter.number, f"{chapter.number} – {chapter.title}") for chapter in choices.chapters
        ],
    }


def _form_of(need) -> dict:
    """Return a need's values as the form shows them."""
    if need is None:
        return {"priority": "medium"}
    return {
        "pillar": need.pillar.code,
        "category": need.category.code,
        "perspective": need.perspective.code,
        "title": need.title,
        "description": need.description,
        "acquis_chapters": [str(chapter.number) for chapter in need.acquis_chapters],
        "source_reference": need.source_reference,
        "priority": need.priority,
    }


def _form_page(need, cycle, error: DomainError | None = None):
    """Render the need form: the need's values, or after a refusal what the user typed."""
    options = _filter_options(need_service.filter_choices())
    return form_page(
        "needs/form.html",
        _form_of(need),
        NeedEditSchema(),
        error,
        need=need,
        cycle=cycle,
        options=options,
    )


@blueprint.get("")
def index():
    """List the needs the user may see, filtered and a page at a time."""
    choices = need_service.filter_choices()
    return list_page(
        "needs/list.html",
        NeedListPageQuery(),
        lambda query: need_service.list_needs(query, choices),
        choices=choices,
        options=_filter_options(choices),
        can_create=need_service.may_create_need(),
        offers_mine=offers_own_organisation("partner"),
        # The Secretariat's editors tick needs to validate or return several at once.
        may_judge=bulk.may_judge_needs(),
        judgeable=bulk.judgeable_needs,
    )


@blueprint.get("/export")
def export():
    """Download the needs the list shows (its filters and sort), every one, as CSV, XLSX or JSON."""
    query = load_form(NeedListPageQuery(), without_format(request.args))
    return download(exports.needs(query), request.args)


@blueprint.get("/new")
def new():
    """Show the form to draft a need of the user's partner in the open cycle."""
    return _form_page(None, need_service.open_cycle_for_needs())


@blueprint.post("/new")
def create():
    """Draft a new need of the user's partner in the open cycle."""
    cycle = need_service.open_cycle_for_needs()
    try:
        need = need_service.create_need(load_form(NeedSchema(), request.form))
    except CORRECTABLE as error:
        return _form_page(None, cycle, error)
    flash("The need was saved as a draft. Submit it when it is ready.", "success")
    return redirect(url_for("needs.show", need_id=need.id))


@blueprint.get("/<need_id>/edit")
def edit(need_id):
    """Show the form to change a draft or returned need."""
    need = need_service.get_need_for_edit(need_id)
    return _form_page(need, need.cycle)


@blueprint.post("/<need_id>/edit")
def update(need_id):
    """Save changes to a need, refusing them if it changed since the form was opened."""
    need = need_service.get_need_for_edit(need_id)
    try:
        need_service.update_need(need, load_form(NeedEditSchema(), request.form))
    except CORRECTABLE as error:
        return _form_page(need, need.cycle, error)
    flash("The need was saved.", "success")
    return redirect(url_for("needs.show", need_id=need.id))


@blueprint.get("/<need_id>")
def show(need_id, error: DomainError | None = None, status: int = 200):
    """Show a need with its status, lineage, history link and the actions the user may take."""
    need = need_service.get_need(need_id)
    links = support_links.links_for_need(need.id)
    page_html = render_template(
        "needs/detail.html",
        need=need,
        links=links,
        link_actions=support_links.allowed_actions(links),
        actions=need_service.allowed_actions(need),
        successors=need_service.carried_over_from(need),
        show_history=audit_service.may_read_history("needs", need.id),
        error=error,
        # After a refused return, its comment as far as the comment may go.
        posted=refill(NeedReturnSchema(), request.form) if error else {},
    )
    return page_html, status


def _act(need_id, action, done: str, schema=VersionedSchema, need=None, confirmation=None):
    need = need if need is not None else need_service.get_need(need_id)
    return act(
        action,
        need,
        schema(),
        done,
        lambda error: show(need_id, error=error, status=error.status),
        url_for("needs.show", need_id=need.id),
        confirmation,
    )


@blueprint.post("/<need_id>/submit")
def submit(need_id):
    """Submit a draft or returned need to the Secretariat."""
    return _act(need_id, need_service.submit_need, "The need was submitted to the Secretariat.")


@blueprint.post("/<need_id>/return")
def return_(need_id):
    """Return a submitted need to its owner with a comment."""
    return _act(
        need_id, need_service.return_need, "The need was returned to its owner.", NeedReturnSchema
    )


@blueprint.post("/<need_id>/validate")
def validate(need_id):
    """Validate a submitted need."""
    return _act(need_id, need_service.validate_need, "The need was validated.")


@blueprint.post("/<need_id>/withdraw")
def withdraw(need_id):
    """Withdraw a need before its cycle is adopted, once the user confirms it."""
    # Refused before anything is asked: only who may withdraw it is asked to confirm.
    need = need_service.get_need_for("withdraw", need_id)
    return _act(
        need_id,
        need_service.withdraw_need,
        "The need was withdrawn.",
        need=need,
        confirmation=lambda _data: _withdrawal(need),
    )


def _withdrawal(need) -> Confirmation:
    """Return what withdrawing ``need`` asks: it leaves the analysis, for good."""
    return Confirmation(
        question=f"Withdraw need {need.code}?",
        details=(("Need", need.title), ("Status", need.status)),
        consequence=(
            f"Withdrawing {need.code} removes it from the analysis of cycle {need.cycle.name}"
            " and ends its workflow: nobody can submit, validate or link it any more, and"
            f" only {need.tenant.name} and the Secretariat still see it. It stays in the"
            " history, and this cannot be undone."
        ),
        button="Withdraw the need",
        back=url_for("needs.show", need_id=need.id),
    )


def _named(records: list[str]) -> str:
    """Return the chosen records' names as a confirmation lists them."""
    return ", ".join(records)


def _bulk_validation(data: dict, back: str) -> Confirmation:
    """Return what validating the chosen needs asks: how many, which, and what follows."""
    codes = bulk.named_needs(data["selected"])
    count = f"{len(codes)} need{'' if len(codes) == 1 else 's'}"
    return Confirmation(
        question=f"Validate {count}?",
        details=(("Needs", _named(codes)),),
        consequence=(
            f"Validating accepts {'it' if len(codes) == 1 else 'each of them'} for the Board:"
            " their owners can no longer change them, everyone in the IISG sees them, and the"
            " adoption of the cycle adopts them. All are validated, or none: if any one of"
            " them cannot be validated now, nothing changes and the page says which and why."
        ),
        button=f"Validate {count}",
        back=back,
    )


def _bulk_return(data: dict, back: str) -> Confirmation:
    """Return what returning the chosen needs asks: how many, which, and the comment."""
    codes = bulk.named_needs(data["selected"])
    count = f"{len(codes)} need{'' if len(codes) == 1 else 's'}"
    return Confirmation(
        question=f"Return {count} to their owners?",
        details=(("Needs", _named(codes)), ("Your comment", data["comment"].strip())),
        consequence=(
            f"Returning sends {'it' if len(codes) == 1 else 'each of them'} back to its"
            " partner with your comment, to change and submit again. All are returned, or"
            " none: if any one of them cannot be returned now, nothing changes and the page"
            " says which and why."
        ),
        button=f"Return {count}",
        back=back,
    )


@blueprint.post("/bulk/validate")
def validate_selected():
    """Validate the needs chosen on the list, all or none, once the user confirms it."""
    bulk.require_needs_judge()
    return bulk_action(
        BulkSelectionSchema(), bulk.validate_needs, _bulk_validation, url_for("needs.index")
    )


@blueprint.post("/bulk/return")
def return_selected():
    """Return the needs chosen on the list with one comment, all or none, once confirmed."""
    bulk.require_needs_judge()
    return bulk_action(BulkReturnSchema(), bulk.return_needs, _bulk_return, url_for("needs.index"))


@blueprint.get("/carry-over")
def carry_over(error: DomainError | None = None, status: int = 200):
    """Show the user's needs of an adopted cycle that can be carried into the open one."""
    query = load_form(CarryOverQuerySchema(), request.args)
    source, target, candidates = need_service.carry_over_candidates(query)
    page_html = render_template(
        "needs/carry_over.html",
        source=source,
        target=target,
        candidates=candidates,
        closed=need_service.closed_cycles(),
        chosen=set(request.form.getlist("need_ids")),
        error=error,
    )
    return page_html, status


@blueprint.post("/carry-over")
def carry_over_chosen():
    """Copy the chosen needs into the open cycle as new drafts that remember their origin."""
    try:
        copies = need_service.carry_over_needs(load_form(CarryOverSchema(), request.form))
    except CORRECTABLE as error:
        return carry_over(error=error, status=error.status)
    cycle = copies[0].cycle.name
    flash(f"{len(copies)} need(s) carried over into {cycle} as drafts.", "success")
    return redirect(url_for("needs.index", cycle=cycle, status="draft"))
