"""What a person is shown of the background work they started."""

from __future__ import annotations

from sqlalchemy import select

from portal.authz import can_read_records, require
from portal.exceptions import NotFound
from portal.extensions import db
from portal.identity import current_principal
from portal.models import Job

# How each tracked job is named on its page; a job without a label shows its name.
LABELS: dict[str, str] = {
    "check_import": "Checking an import",
    "apply_import": "Applying an import",
    "make_report": "Making a report",
}


def job(job_id: int) -> tuple[Job, str]:
    """Return a job its reader may see (its starter, the Secretariat's administrators),
    and how it is named to people."""
    require(can_read_records, current_principal())
    found = db.session.scalar(select(Job).where(Job.id == job_id))
    if found is None:
        raise NotFound("There is no such job.")
    return found, LABELS.get(found.name, found.name.replace("_", " ").capitalize())
