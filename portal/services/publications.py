"""Publishing the reports: an edition frozen as bytes, signed, listed at ``/public``.

An administrator of the Secretariat publishes the needs mapping report of an adopted
cycle, or the response mapping report of a year that has begun. The edition is made as
the Secretariat sees the records (the complete report), its PDF and HTML are stored as
made and never rendered again, and the SHA-256 of each is signed with the audit signing
key. Withdrawing marks an edition withdrawn, with the reason; nothing is deleted.
"""

from __future__ import annotations

import json
from datetime import date

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import undefer

from audit import editions
from portal import documents
from portal.authz import can_publish_reports, can_read_publications, require
from portal.exceptions import Conflict, NotFound
from portal.extensions import db
from portal.identity import current_principal
from portal.models import Cycle, Publication
from portal.models.base import utc_now
from portal.services import reports
from portal.tenancy import get_visible

PUBLISHABLE_CYCLE_STATUSES = ("adopted", "archived")
FORMATS = ("pdf", "html")


def _subject(kind: str, cycle: Cycle | None, year: int | None) -> str:
    return f"needs:{cycle.name}" if kind == "needs" else f"responses:{year}"


def publish_needs_report(cycle_id) -> Publication:
    """Publish the needs mapping report of an adopted cycle as a frozen, signed edition."""
    principal = current_principal()
    require(can_publish_reports, principal)
    cycle = reports.get_cycle(cycle_id)
    if cycle.status not in PUBLISHABLE_CYCLE_STATUSES:
        raise Conflict(
            f"Cycle {cycle.name} is {cycle.status}: only an adopted cycle's report is published."
        )
    scope = reports.Scope()
    return _publish(
        "needs",
        f"Needs mapping report {cycle.name}",
        lambda mode: reports.needs_html(cycle, scope, mode, edition=True),
        cycle=cycle,
    )


def publish_responses_report(year: int) -> Publication:
    """Publish the response mapping report of a year that has begun."""
    principal = current_principal()
    require(can_publish_reports, principal)
    reports.check_year(year)
    if year > date.today().year:
        raise Conflict(f"{year} has not begun: its response mapping report cannot be published.")
    scope = reports.Scope()
    return _publish(
        "responses",
        f"Response mapping report {year}",
        lambda mode: reports.responses_html(year, scope, mode, edition=True),
        year=year,
    )


def _publish(kind: str, title: str, html_of, cycle: Cycle | None = None, year=None):
    subject = _subject(kind, cycle, year)
    if _in_force(subject) is not None:
        raise Conflict(f"The {title} is published already: withdraw that edition first.")
    pdf = documents.pdf_bytes(html_of("pdf"))
    html = html_of("file").encode("utf-8")
    key = current_app.config["AUDIT_SIGNING_KEY"]
    pdf_sha256, key_id, pdf_signature = editions.sign(key, pdf)
    html_sha256, _, html_signature = editions.sign(key, html)
    principal = current_principal()
    edition = Publication(
        kind=kind,
        subject=subject,
        cycle=cycle,
        year=year,
        title=title,
        status="published",
        pdf=pdf,
        html=html,
        pdf_sha256=pdf_sha256,
        html_sha256=html_sha256,
        key_id=key_id,
        pdf_signature=pdf_signature,
        html_signature=html_signature,
        published_by_id=principal.user_id if principal else None,
    )
    db.session.add(edition)
    try:
        db.session.commit()
    except IntegrityError:
        # Two administrators publishing the same report at once: the first one stands.
        db.session.rollback()
        raise Conflict(f"The {title} is published already: withdraw that edition first.") from None
    return edition


def _in_force(subject: str) -> Publication | None:
    return db.session.scalar(
        select(Publication).where(Publication.subject == subject, Publication.status == "published")
    )


def edition_to_withdraw(edition_id) -> Publication:
    """Return an edition the principal is about to withdraw (asked before the form is read)."""
    require(can_publish_reports, current_principal())
    return get_edition(edition_id)


def withdraw(edition_id, data: dict) -> Publication:
    """Mark an edition withdrawn, with the reason; it stays listed and served as it was."""
    principal = current_principal()
    require(can_publish_reports, principal)
    edition = get_edition(edition_id)
    if edition.status == "withdrawn":
        raise Conflict("This edition was withdrawn already.")
    edition.status = "withdrawn"
    edition.withdrawn_at = utc_now()
    edition.withdrawn_by_id = principal.user_id if principal else None
    edition.withdrawal_reason = data["reason"]
    db.session.commit()
    return edition


def get_edition(edition_id) -> Publication:
    """Return a published (or withdrawn) edition; anyone may read it."""
    require(can_read_publications, current_principal())
    return get_visible(Publication, edition_id)


def may_publish() -> bool:
    """Return whether the principal may publish and withdraw editions (pages offer it)."""
    return can_publish_reports(current_principal())


def list_editions() -> list[Publication]:
    """Return every edition ever published, the newest first, withdrawn ones included."""
    require(can_read_publications, current_principal())
    return list(db.session.scalars(select(Publication).order_by(Publication.published_at.desc())))


def edition_file(edition_id, file_format: str) -> tuple[Publication, bytes]:
    """Return an edition and the stored bytes of its PDF or HTML."""
    require(can_read_publications, current_principal())
    if file_format not in FORMATS:
        raise NotFound("There is no such file.")
    edition = db.session.scalar(
        select(Publication)
        .where(Publication.id == _key(edition_id))
        .options(undefer(getattr(Publication, file_format)))
    )
    if edition is None:
        raise NotFound("There is no such edition.")
    return edition, getattr(edition, file_format)


def _key(edition_id) -> int:
    return get_edition(edition_id).id


def signature_document(edition: Publication, file_format: str) -> bytes:
    """Return the signature file of an edition's PDF or HTML, for ``iisg report verify``."""
    require(can_read_publications, current_principal())
    document = {
        "edition": edition.id,
        "title": edition.title,
        "file": f"{_file_name(edition)}.{file_format}",
        "sha256": getattr(edition, f"{file_format}_sha256"),
        "key_id": edition.key_id,
        "signature": getattr(edition, f"{file_format}_signature"),
        "signed_statement": editions.statement(getattr(edition, f"{file_format}_sha256")).decode(),
        "published_at": edition.published_at.isoformat(),
        "status": edition.status,
    }
    return (json.dumps(document, indent=2) + "\n").encode("utf-8")


def _file_name(edition: Publication) -> str:
    return "iisg-" + edition.subject.replace(":", "-")


def file_name(edition: Publication) -> str:
    """Return the name an edition's files are downloaded under (without the extension)."""
    require(can_read_publications, current_principal())
    return _file_name(edition)
