"""Report pages: what a reader may produce, each report as a page and as a PDF."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import documents, jobs
from portal.exceptions import Conflict, ValidationFailed
from portal.schemas.forms import load_form
from portal.schemas.reports import ReportQuerySchema, WithdrawEditionSchema
from portal.services import cycles as cycle_service
from portal.services import publications, reports
from portal.views import Confirmation, ask_to_confirm, confirmed

blueprint = Blueprint("reports", __name__, url_prefix="/reports")


@blueprint.get("")
def index():
    """List the reports the reader may produce: each cycle's needs, each year's responses."""
    years = reports.report_years()
    economies, pillars = reports.scope_choices()
    return render_template(
        "reports/index.html",
        cycles=cycle_service.list_cycles(),
        years=years,
        economies=economies,
        pillars=pillars,
        pdf_problem=documents.pdf_missing(),
        editions=publications.list_editions(),
        may_publish=publications.may_publish(),
        this_year=reports.this_year(),
    )


def _scope():
    query = load_form(ReportQuerySchema(), request.args)
    return query, reports.scope_of(query["partner"], query["pillar"])


def _needs_html(cycle_id: int, mode: str) -> str:
    cycle = reports.get_cycle(cycle_id)
    query, scope = _scope()
    tools = [("PDF", url_for("reports.needs_pdf", cycle_id=cycle.id, **_kept(query)))]
    return reports.needs_html(cycle, scope, mode, tools)


def _responses_html(year: int, mode: str) -> str:
    query, scope = _scope()
    tools = [("PDF", url_for("reports.responses_pdf", year=year, **_kept(query)))]
    return reports.responses_html(year, scope, mode, tools)


def _kept(query: dict) -> dict:
    return {key: value for key, value in query.items() if value}


def _pdf(content: bytes, name: str) -> Response:
    return Response(
        content,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


@blueprint.get("/cycles/<int:cycle_id>/needs")
def needs(cycle_id):
    """Show the needs mapping report of a cycle (of one partner or pillar if asked)."""
    return _needs_html(cycle_id, "page")


@blueprint.get("/cycles/<int:cycle_id>/needs.pdf")
def needs_pdf(cycle_id):
    """Download the needs mapping report of a cycle as PDF (a large one: from the worker)."""
    cycle = reports.get_cycle(cycle_id)
    query, scope = _scope()
    content = reports.needs_pdf(cycle, scope)
    if content is None:
        return _on_the_worker("needs", cycle.id, query)
    return _pdf(content, f"iisg-needs-mapping-{cycle.name}.pdf")


@blueprint.get("/responses/<int:year>")
def responses(year):
    """Show the response mapping report of a year."""
    return _responses_html(reports.check_year(year), "page")


@blueprint.get("/responses/<int:year>.pdf")
def responses_pdf(year):
    """Download the response mapping report of a year as PDF (a large one: from the worker)."""
    query, scope = _scope()
    content = reports.responses_pdf(reports.check_year(year), scope)
    if content is None:
        return _on_the_worker("responses", year, query)
    return _pdf(content, f"iisg-response-mapping-{year}.pdf")


def _on_the_worker(kind: str, key: int, query: dict):
    started = jobs.start(
        "make_report", kind, key, query["partner"], query["pillar"], actor=current_user
    )
    flash("This report is large: the worker is making it. Its link appears here when ready.")
    return redirect(url_for("main.job", job_id=started.id))


@blueprint.get("/files/<int:file_id>")
def report_file(file_id):
    """Download a report the worker made for the reader."""
    made = reports.report_file(file_id)
    return Response(
        made.content,
        mimetype=made.media_type,
        headers={"Content-Disposition": f'attachment; filename="{made.name}"'},
    )


def _published(action, *arguments):
    """Publish (or withdraw) and go back to the list, saying what happened."""
    try:
        edition = action(*arguments)
    except (Conflict, ValidationFailed) as refusal:
        return _refused(refusal)
    if edition.status == "withdrawn":
        flash(f"The {edition.title} is withdrawn; it stays listed on the public page.", "success")
    else:
        flash(f"The {edition.title} is published on the public page, signed.", "success")
    return redirect(url_for("reports.index") + "#editions")


def _refused(refusal) -> Response:
    """Go back to the list, saying why publishing or withdrawing was refused."""
    details = "; ".join(f"{field}: {reason}" for field, reason in refusal.fields.items())
    flash(f"{refusal.message} {details}".strip(), "danger")
    return redirect(url_for("reports.index"))


@blueprint.post("/cycles/<int:cycle_id>/publish")
def publish_needs(cycle_id):
    """Publish the needs mapping report of an adopted cycle."""
    return _published(publications.publish_needs_report, cycle_id)


@blueprint.post("/responses/<int:year>/publish")
def publish_responses(year):
    """Publish the response mapping report of a year."""
    return _published(publications.publish_responses_report, year)


@blueprint.post("/editions/<int:edition_id>/withdraw")
def withdraw(edition_id):
    """Withdraw a published edition, saying why."""

    # Asked before the form is read, so that a refused form answers someone who may.
    edition = publications.edition_to_withdraw(edition_id)
    try:
        data = load_form(WithdrawEditionSchema(), request.form)
    except ValidationFailed as refusal:
        return _refused(refusal)
    if not confirmed():
        return ask_to_confirm(_withdrawal(edition, data["reason"]))
    return _published(publications.withdraw, edition_id, data)


def _withdrawal(edition, reason: str) -> Confirmation:
    """Return what withdrawing a published edition asks: it is marked, never deleted."""
    return Confirmation(
        question=f"Withdraw the published {edition.title}?",
        details=(
            ("Published", edition.published_at.strftime("%Y-%m-%d %H:%M UTC")),
            ("Reason", reason),
        ),
        consequence=(
            "The public page will list this edition as withdrawn, with your reason, and"
            " keep serving its files and signature as they were, so that copies already"
            " downloaded can still be checked. It cannot be published again: publish a new"
            " edition instead. This cannot be undone."
        ),
        button="Withdraw the edition",
        back=url_for("reports.index") + "#editions",
    )
