"""Responses pages: list, record, edit, publish; and the support links they propose."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from portal.auth import safe_next
from portal.authz import can_create_response, can_edit_response, can_propose_link
from portal.bulk_pages import bulk_action
from portal.exceptions import DomainError
from portal.identity import current_principal
from portal.limits import refill
from portal.schemas.bulk import BulkSelectionSchema
from portal.schemas.forms import ListQuerySchema, load_form
from portal.schemas.responses import (
    ResponseEditFormSchema,
    ResponseFormSchema,
    ResponseListQuerySchema,
)
from portal.schemas.support_links import LinkDisputeSchema, LinkProposalSchema, NeedSearchSchema
from portal.schemas.versions import VersionedSchema
from portal.services import audit as audit_service
from portal.services import bulk, exports
from portal.services import responses as response_service
from portal.services import support_links as link_service
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

blueprint = Blueprint("responses", __name__, url_prefix="/responses")


class ResponseListPageQuery(ResponseListQuerySchema, ListPageQuery):
    """The responses list's filters, sort and "my organisation", as page and export take them."""


def _form_of(response, tenants) -> dict:
    """Return a response's values as the form shows them.

    A new response comes with the reader's own organisation ticked as its donor (of
    ``tenants``, those the form offers): a member recording its own programme usually
    funds it, and one that only carries it out unticks it.
    """
    if response is None:
        own = [tenant.code for tenant in tenants if tenant.id == current_principal().tenant_id]
        return {"implementation_status": "planned", "visibility": "members", "donor_tenants": own}
    return {
        "title": response.title,
        "description": response.description,
        "pillars": [pillar.code for pillar in response.pillars],
        "beneficiaries": [economy.code for economy in response.beneficiaries],
        "donor_tenants": [party.tenant.code for party in response.donors if party.tenant],
        "donor_names": "\n".join(party.name for party in response.donors if not party.tenant),
        "implementer_tenants": [
            party.tenant.code for party in response.implementers if party.tenant
        ],
        "implementer_names": "\n".join(
            party.name for party in response.implementers if not party.tenant
        ),
        "support_type": response.support_type,
        "instrument": response.instrument,
        "starts_on": response.starts_on.isoformat() if response.starts_on else "",
        "ends_on": response.ends_on.isoformat() if response.ends_on else "",
        "budget_amount": "" if response.budget_amount is None else str(response.budget_amount),
        "budget_currency": response.budget_currency or "",
        "implementation_status": response.implementation_status,
        "visibility": response.visibility,
        "external_reference": response.external_reference or "",
    }


def _form_page(response=None, error: DomainError | None = None):
    """Render the response form: its values, or after a refusal what the user typed."""
    choices = response_service.filter_choices()
    return form_page(
        "responses/form.html",
        _form_of(response, choices["tenants"]),
        ResponseEditFormSchema(),
        error,
        response=response,
        choices=choices,
    )


@blueprint.get("")
def index():
    """List the responses the user can see, filtered and a page at a time."""
    return list_page(
        "responses/index.html",
        ResponseListPageQuery(),
        response_service.list_responses,
        choices=response_service.filter_choices(),
        can_create=can_create_response(current_principal()),
        offers_mine=offers_own_organisation("partner", "member"),
    )


@blueprint.get("/export")
def export():
    """Download the responses the list shows (filters and sort), every one, as CSV, XLSX or JSON."""
    query = load_form(ResponseListPageQuery(), without_format(request.args))
    return download(exports.responses(query), request.args)


@blueprint.get("/links/export")
def export_links():
    """Download every support link the user may see, as CSV, XLSX or JSON."""
    return download(exports.links(), request.args)


@blueprint.get("/new")
def new():
    """Show the form to record a response."""
    response_service.require_creator()
    return _form_page()


@blueprint.post("")
def create():
    """Record a response as a draft of the user's organisation."""
    response_service.require_creator()
    try:
        response = response_service.create_response(load_form(ResponseFormSchema(), request.form))
    except CORRECTABLE as error:
        return _form_page(error=error)
    flash("The response was saved as a draft. Publish it when it is ready.", "success")
    return redirect(url_for("responses.show", response_id=response.id))


@blueprint.get("/<response_id>")
def show(response_id, error: DomainError | None = None, status: int = 200):
    """Show a response with its support links and the actions the user may take."""
    response = response_service.get_response(response_id)
    links = link_service.links_for_response(response)
    principal = current_principal()
    page = render_template(
        "responses/show.html",
        response=response,
        links=links,
        link_actions=link_service.allowed_actions(links),
        can_edit=can_edit_response(principal, response),
        can_propose=can_propose_link(principal, response),
        show_history=audit_service.may_read_history("responses", response.id),
        error=error,
    )
    return page, status


@blueprint.get("/<response_id>/edit")
def edit(response_id):
    """Show the form to change a response."""
    return _form_page(response_service.get_response_for_edit(response_id))


@blueprint.post("/<response_id>/edit")
def update(response_id):
    """Save changes to a response, refusing them if it changed since the form was opened."""
    response = response_service.get_response_for_edit(response_id)
    try:
        response_service.update_response(
            response, load_form(ResponseEditFormSchema(), request.form)
        )
    except CORRECTABLE as error:
        return _form_page(response, error)
    flash("The response was saved.", "success")
    return redirect(url_for("responses.show", response_id=response.id))


@blueprint.post("/<response_id>/publish")
def publish(response_id):
    """Publish a response."""
    return _act(response_id, response_service.publish_response, "The response is now published.")


@blueprint.post("/<response_id>/unpublish")
def unpublish(response_id):
    """Take a response back to draft."""
    return _act(response_id, response_service.unpublish_response, "The response is now a draft.")


def _act(response_id, action, done: str):
    response = response_service.get_response(response_id)
    return act(
        action,
        response,
        VersionedSchema(),
        done,
        lambda error: show(response_id, error=error, status=error.status),
        url_for("responses.show", response_id=response.id),
    )


@blueprint.get("/links/waiting")
def links_waiting():
    """List the confirmed links waiting for the Secretariat's validation, the oldest first."""
    return list_page(
        "support_links/waiting.html",
        ListQuerySchema(),
        bulk.links_waiting,
        may_judge=bulk.may_judge_links(),
    )


def _bulk_validation(data: dict, back: str) -> Confirmation:
    """Return what validating the chosen links asks: how many, which, and what follows."""
    names = bulk.named_links(data["selected"])
    count = f"{len(names)} link{'' if len(names) == 1 else 's'}"
    which = "the" if len(names) == 1 else "each"
    return Confirmation(
        question=f"Validate {count}?",
        details=(("Links", "\n".join(names)),),
        consequence=(
            f"Validating confirms, for the Secretariat, that {which} response addresses its"
            " need: the link counts as validated in the analysis and its response's owner can"
            " no longer withdraw it. All are validated, or none: if any one of them cannot be"
            " validated now, nothing changes and the page says which and why."
        ),
        button=f"Validate {count}",
        back=back,
    )


@blueprint.post("/links/bulk/validate")
def validate_links():
    """Validate the links chosen on the waiting list, all or none, once the user confirms it."""
    bulk.require_links_judge()
    return bulk_action(
        BulkSelectionSchema(),
        bulk.validate_links,
        _bulk_validation,
        url_for("responses.links_waiting"),
    )


@blueprint.get("/<response_id>/links/new")
def new_link(response_id, error: DomainError | None = None, status: int = 200):
    """Show the needs this response may be linked to, searchable, with the proposal form."""
    response = response_service.get_response(response_id)
    query = load_form(NeedSearchSchema(), request.args)
    needs = link_service.linkable_needs(response, query)
    page = render_template(
        "support_links/new.html",
        response=response,
        query=query,
        needs=needs,
        choices=response_service.filter_choices(),
        values=refill(LinkProposalSchema(), request.form),
        error=error,
    )
    return page, status


@blueprint.post("/<response_id>/links")
def propose_link(response_id):
    """Propose that this response addresses a need."""
    response = response_service.get_response(response_id)
    try:
        link_service.propose_link(response, load_form(LinkProposalSchema(), request.form))
    except CORRECTABLE as error:
        return new_link(response_id, error=error, status=error.status)
    flash("The link was proposed. The partner will confirm or dispute it.", "success")
    return redirect(url_for("responses.show", response_id=response.id))


def _link_action(
    link_id, action, outcome: str, schema=VersionedSchema, *, step=None, confirmation=None
):
    # A step that asks first is refused before it asks, to whom may not take it (``step``).
    link = link_service.get_link_for(step, link_id) if step else link_service.get_link(link_id)
    back = safe_next(request.form.get("next")) or url_for(
        "responses.show", response_id=link.response_id
    )

    def refused(error):
        return render_template("support_links/refused.html", error=error, back=back), error.status

    asked = None if confirmation is None else (lambda data: confirmation(link, data, back))
    return act(action, link, schema(), outcome, refused, back, asked)


def _link_named(link) -> str:
    return f"“{link.response.title}” ({link.response.tenant.name}) to need {link.need.code}"


def _dispute(link, data: dict, back: str) -> Confirmation:
    """Return what disputing ``link`` asks: the link stops counting, the reason stays."""
    return Confirmation(
        question=f"Dispute the link to need {link.need.code}?",
        details=(("Link", _link_named(link)), ("Your reason", data["reason"].strip())),
        consequence=(
            f"Disputing tells {link.response.tenant.name} and the Secretariat that the"
            f" response does not address {link.need.code}: while disputed, the link does not"
            " count in the analysis and cannot be validated, and your reason is added to its"
            " note for everyone who sees the link. You may confirm it later; the reason stays"
            " in the note."
        ),
        button="Dispute the link",
        back=back,
    )


def _withdrawal(link, _data: dict, back: str) -> Confirmation:
    """Return what withdrawing ``link`` asks: it is deleted, for good."""
    return Confirmation(
        question=f"Withdraw the link to need {link.need.code}?",
        details=(("Link", _link_named(link)), ("Status", link.status)),
        consequence=(
            f"Withdrawing deletes the claim that “{link.response.title}” addresses"
            f" {link.need.code}: the link disappears from the response, from the need (for"
            f" {link.need.tenant.name} too) and from the analysis. It stays in the history,"
            " and this cannot be undone: to link them again, propose a new link."
        ),
        button="Withdraw the link",
        back=back,
    )


@blueprint.post("/links/<link_id>/confirm")
def confirm_link(link_id):
    """Confirm, as the need's partner, that the response addresses the need."""
    return _link_action(link_id, link_service.confirm_link, "The link is confirmed.")


@blueprint.post("/links/<link_id>/dispute")
def dispute_link(link_id):
    """Dispute, as the need's partner, that the response addresses the need, once confirmed."""
    return _link_action(
        link_id,
        link_service.dispute_link,
        "The link is disputed.",
        LinkDisputeSchema,
        step="dispute",
        confirmation=_dispute,
    )


@blueprint.post("/links/<link_id>/validate")
def validate_link(link_id):
    """Validate, as the Secretariat, a link the partner confirmed."""
    return _link_action(link_id, link_service.validate_link, "The link is validated.")


@blueprint.post("/links/<link_id>/withdraw")
def withdraw_link(link_id):
    """Withdraw (delete) a link the response's owner proposed, once they confirm it."""
    return _link_action(
        link_id,
        link_service.withdraw_link,
        "The link was withdrawn.",
        step="withdraw",
        confirmation=_withdrawal,
    )
