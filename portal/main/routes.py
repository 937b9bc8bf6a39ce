"""The dashboard, and the health endpoints that load balancers and operators poll."""

from flask import Blueprint, current_app, jsonify, render_template

from portal import jobs
from portal.database import database_problem, schema_problem
from portal.services import job_status, overview, reports, verifications

blueprint = Blueprint("main", __name__)


@blueprint.get("/")
def dashboard():
    """Show the dashboard: headline figures, what needs the user's attention, the pillars."""
    return render_template(
        "main/dashboard.html",
        headline=overview.headline(),
        attention=overview.attention(),
        summary=overview.pillar_summary(),
        verification=verifications.latest(),
    )


@blueprint.get("/jobs/<int:job_id>")
def job(job_id: int):
    """Show a background job's state, progress and result; the page refreshes until it ends."""
    found, label = job_status.job(job_id)
    reported = jobs.progress_of(found.id) if found.status == "running" else None
    done, total = reported or (found.done, found.total)
    made = reports.file_of_job(found.id) if found.name == "make_report" else None
    return render_template(
        "main/job.html", job=found, label=label, done=done, total=total, report_file=made
    )


@blueprint.get("/favicon.ico")
def favicon():
    """Answer the address browsers ask for an icon with the portal's own."""
    return current_app.send_static_file("favicon.svg")


@blueprint.get("/healthz")
def healthz():
    """Answer that the process is alive, without touching the database."""
    return jsonify(status="ok")


@blueprint.get("/readyz")
def readyz():
    """Answer whether the database answers and its schema is up to date."""
    problem = database_problem() or schema_problem(current_app.extensions["migrate"].directory)
    if problem:
        return jsonify(status="unavailable", database=problem), 503
    return jsonify(status="ready", database="ok")
