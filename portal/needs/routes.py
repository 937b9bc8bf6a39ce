"""Needs pages: the filtered list, one need, drafting and editing, the workflow, carry-over."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from portal.errors import DomainError, ValidationFailed
from portal.models.need import NEED_STATUSES, PRIORITIES
from portal.schemas.forms import form_data, load_form
from portal.schemas.needs import (
    CarryOverQuerySchema,
    CarryOverSchema,
    NeedEditSchema,
    NeedListQuerySchema,
    NeedReturnSchema,
    NeedSchema,
)
from portal.schemas.versions import VersionedSchema
from portal.services import needs as need_service
from portal.services import support_links
from portal.versions import carried

blueprint = Blueprint("needs", __name__, url_prefix="/needs")


def _form_values() -> dict:
    """Return the need form as typed, to show it again."""
    return form_data(NeedEditSchema(), request.form)


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


@blueprint.get("")
def index():
    """List the needs the user may see, filtered and a page at a time."""
    choices = need_service.filter_choices()
    shown = {"choices": choices, "options": _filter_options(choices)}
    shown["can_create"] = need_service.may_create_need()
    try:
        query = load_form(NeedListQuerySchema(), request.args)
        page = need_service.list_needs(query, choices)
    except ValidationFailed as error:
        page_html = render_template(
            "needs/list.html", page=None, query=request.args, error=error, **shown
        )
        return page_html, error.status
    kept = {key: value for key, value in query.items() if key != "page" and value not in (None, "")}
    return render_template("needs/list.html", page=page, query=query, filters_kept=kept, **shown)


def _form_page(need, cycle, values: dict, error: DomainError | None = None):
    """Render the need form with ``values``; after an error, with its status."""
    options = _filter_options(need_service.filter_choices())
    page_html = render_template(
        "needs/form.html",
        need=need,
        cycle=cycle,
        options=options,
        values=values,
        carried=carried(request.form, error) if error else None,
        error=error,
    )
    return page_html, error.status if error else 200


@blueprint.route("/new", methods=["GET", "POST"])
def create():
    """Draft a new need of the user's partner in the open cycle."""
    cycle = need_service.open_cycle_for_needs()
    if request.method == "GET":
        return _form_page(None, cycle, {"priority": "medium"})
    try:
        need = need_service.create_need(load_form(NeedSchema(), request.form))
    except DomainError as error:
        return _form_page(None, cycle, _form_values(), error)
    flash("The need was saved as a draft. Submit it when it is ready.", "success")
    return redirect(url_for("needs.detail", need_id=need.id))


@blueprint.route("/<need_id>/edit", methods=["GET", "POST"])
def edit(need_id):
    """Change a draft or returned need, refusing to overwrite someone else's change."""
    need = need_service.get_need_for_edit(need_id)
    if request.method == "GET":
        return _form_page(need, need.cycle, need_service.need_form_values(need))
    try:
        need_service.update_need(need, load_form(NeedEditSchema(), request.form))
    except DomainError as error:
        return _form_page(need, need.cycle, _form_values(), error)
    flash("The need was saved.", "success")
    return redirect(url_for("needs.detail", need_id=need.id))


@blueprint.get("/<need_id>")
def detail(need_id, error: DomainError | None = None, status: int = 200):
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
        error=error,
    )
    return page_html, status


def _act(need_id, action, done: str, schema=VersionedSchema):
    need = need_service.get_need(need_id)
    try:
        action(need, load_form(schema(), request.form))
    except DomainError as error:
        return detail(need_id, error=error, status=error.status)
    flash(done, "success")
    return redirect(url_for("needs.detail", need_id=need.id))


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
    """Withdraw a need before its cycle is adopted."""
    return _act(need_id, need_service.withdraw_need, "The need was withdrawn.")


@blueprint.get("/carry-over")
def carry_over(error: DomainError | None = None, status: int = 200):
    """Show the user's needs of an adopted cycle that can be carried into the open one."""
    query = load_form(CarryOverQuerySchema(), request.args)
    source, target, candidates = need_service.carry_over_candidates(query)
    closed = need_service.closed_cycles()
    chosen = {
        int(value)
        for value in request.form.getlist("need_ids")
        if value.isascii() and value.isdigit()
    }
    page_html = render_template(
        "needs/carry_over.html",
        source=source,
        target=target,
        candidates=candidates,
        closed=closed,
        chosen=chosen,
        error=error,
    )
    return page_html, status


@blueprint.post("/carry-over")
def carry_over_chosen():
    """Copy the chosen needs into the open cycle as new drafts that remember their origin."""
    try:
        copies = need_service.carry_over_needs(load_form(CarryOverSchema(), request.form))
    except DomainError as error:
        return carry_over(error=error, status=error.status)
    cycle = copies[0].cycle.name
    flash(f"{len(copies)} need(s) carried over into {cycle} as drafts.", "success")
    return redirect(url_for("needs.index", cycle=cycle, status="draft"))
