"""Report pages: what a reader may produce, each report as a page and as a PDF."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, url_for

from portal.reports import documents
from portal.schemas.forms import load_form
from portal.schemas.reports import ReportQuerySchema
from portal.services import cycles as cycle_service
from portal.services import reports

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
    )


def _scope():
    query = load_form(ReportQuerySchema(), request.args)
    return query, reports.scope_of(query["partner"], query["pillar"])


def _needs_html(cycle_id: int, mode: str) -> str:
    cycle = reports.get_cycle(cycle_id)
    query, scope = _scope()
    tools = [("PDF", url_for("reports.needs_pdf", cycle_id=cycle.id, **_kept(query)))]
    return documents.needs_html(cycle, scope, mode, tools)


def _responses_html(year: int, mode: str) -> str:
    query, scope = _scope()
    tools = [("PDF", url_for("reports.responses_pdf", year=year, **_kept(query)))]
    return documents.responses_html(year, scope, mode, tools)


def _kept(query: dict) -> dict:
    return {key: value for key, value in query.items() if value}


def _pdf(html: str, name: str) -> Response:
    content = documents.pdf_bytes(html)
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
    """Download the needs mapping report of a cycle as a PDF document."""
    cycle = reports.get_cycle(cycle_id)
    return _pdf(_needs_html(cycle_id, "pdf"), f"iisg-needs-mapping-{cycle.name}.pdf")


@blueprint.get("/responses/<int:year>")
def responses(year):
    """Show the response mapping report of a year."""
    return _responses_html(reports.check_year(year), "page")


@blueprint.get("/responses/<int:year>.pdf")
def responses_pdf(year):
    """Download the response mapping report of a year as a PDF document."""
    html = _responses_html(reports.check_year(year), "pdf")
    return _pdf(html, f"iisg-response-mapping-{year}.pdf")
