"""Publishing the reports: an edition frozen as bytes, signed, listed at ``/public``.

An administrator of the Secretariat publishes the needs mapping report of an adopted
cycle, or the response mapping report of a year that has begun. The edition is made as
the Secretariat sees the records (the complete report), its PDF and HTML are stored as
made and never rendered again, and the SHA-256 of each is signed with the audit signing
key. Withdrawing marks an edition withdrawn, with the reason; nothing is deleted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from audit import editions
from audit.checkpoints import key_id, private_key, public_bytes, public_key_pem
from portal import documents
from portal.authz import can_publish_reports, can_read_publications, require
from portal.exceptions import Conflict, NotFound
from portal.extensions import db
from portal.identity import Principal, act_as_principal, current_principal
from portal.models import Cycle, Publication
from portal.models.base import utc_now
from portal.services import reports
from portal.tenancy import get_visible

PUBLISHABLE_CYCLE_STATUSES = ("adopted", "archived")
FORMATS = ("pdf", "html")


def _subject(kind: str, cycle: Cycle | None, year: int | None) -> str:
    return f"needs:{cycle.name}" if kind == "needs" else f"responses:{year}"


# Whom a published edition is made for: everyone. It is read as a reader of no
# organisation sees the records, what every member and partner may see: validated and
# adopted needs, responses shared with all members, links between them. Nothing a
# partner submitted but nobody validated, no restricted response.
PUBLIC_READER = Principal(
    user_id=0, tenant_id=0, tenant_kind="member", economy_id=None, roles=frozenset({"viewer"})
)


def publish_needs_report(cycle_id) -> Publication:
    """Publish the needs mapping report of an adopted cycle as a frozen, signed edition."""
    require(can_publish_reports, current_principal())
    cycle = reports.get_cycle(cycle_id)
    if cycle.status not in PUBLISHABLE_CYCLE_STATUSES:
        raise Conflict(
            f"Cycle {cycle.name} is {cycle.status}: only an adopted cycle's report is published."
        )

    def documents_of():
        report = reports.needs_report(cycle, reports.Scope())
        return [reports.needs_document(report, mode, edition=True) for mode in ("pdf", "file")]

    return _publish("needs", f"Needs mapping report {cycle.name}", documents_of, cycle=cycle)


def publish_responses_report(year: int) -> Publication:
    """Publish the response mapping report of a year that has begun."""
    require(can_publish_reports, current_principal())
    reports.check_year(year)
    if year > date.today().year:
        raise Conflict(f"{year} has not begun: its response mapping report cannot be published.")

    def documents_of():
        report = reports.responses_report(year, reports.Scope())
        return [reports.responses_document(report, mode, edition=True) for mode in ("pdf", "file")]

    return _publish("responses", f"Response mapping report {year}", documents_of, year=year)


def _as_the_public(make):
    """Return what ``make()`` makes, reading the records as the public may see them."""
    acting = current_principal()
    act_as_principal(PUBLIC_READER)
    try:
        return make()
    finally:
        act_as_principal(acting)


def _publish(kind: str, title: str, documents_of, cycle: Cycle | None = None, year=None):
    subject = _subject(kind, cycle, year)
    refusal = f"The {title} is published already: withdraw that edition first."
    if _in_force(subject) is not None:
        raise Conflict(refusal)
    # Gathered once, as the public sees it, and made into both files from that.
    pdf_html, file_html = _as_the_public(documents_of)
    pdf = documents.pdf_bytes(pdf_html)
    html = file_html.encode("utf-8")
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
        published_at=utc_now().replace(microsecond=0),
        published_by_id=principal.user_id if principal else None,
    )
    key = current_app.config["AUDIT_SIGNING_KEY"]
    for file_format, content in (("pdf", pdf), ("html", html)):
        digest, key_id, signature = editions.sign(key, content, **_signed(edition, file_format))
        setattr(edition, f"{file_format}_sha256", digest)
        setattr(edition, f"{file_format}_signature", signature)
        edition.key_id = key_id
    edition.public_key = public_bytes(private_key(key).public_key()).hex()
    db.session.add(edition)
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        if _in_force(subject) is not None:  # another administrator published it first
            raise Conflict(refusal) from None
        raise error
    return edition


def _signed(edition: Publication, file_format: str) -> dict:
    """Return what the signature of an edition's file names, but the file's SHA-256."""
    return {
        "subject": edition.subject,
        "title": edition.title,
        "file": f"{_file_name(edition)}.{file_format}",
        "published_at": edition.published_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


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
    # Only while it is in force: of two administrators withdrawing at once, one does.
    withdrawn = db.session.execute(
        update(Publication)
        .where(Publication.id == edition.id, Publication.status == "published")
        .values(
            status="withdrawn",
            withdrawn_at=utc_now(),
            withdrawn_by_id=principal.user_id if principal else None,
            withdrawal_reason=data["reason"],
        )
    )
    if withdrawn.rowcount != 1:
        db.session.rollback()
        raise Conflict("This edition was withdrawn already.")
    db.session.commit()
    db.session.refresh(edition)
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
    edition = get_edition(edition_id)
    return edition, getattr(edition, file_format)


def signature_document(edition: Publication, file_format: str) -> bytes:
    """Return the signature file of an edition's PDF or HTML, for ``iisg report verify``."""
    require(can_read_publications, current_principal())
    signed = _signed(edition, file_format)
    signed["sha256"] = getattr(edition, f"{file_format}_sha256")
    document = {
        "edition": edition.id,
        **signed,
        "key_id": edition.key_id,
        "signature": getattr(edition, f"{file_format}_signature"),
        "signed_statement": editions.statement(signed).decode("utf-8"),
        "status": edition.status,
    }
    return (json.dumps(document, indent=2) + "\n").encode("utf-8")


def _file_name(edition: Publication) -> str:
    return "iisg-" + edition.subject.replace(":", "-")


def file_name(edition: Publication) -> str:
    """Return the name an edition's files are downloaded under (without the extension)."""
    require(can_read_publications, current_principal())
    return _file_name(edition)


@dataclass(frozen=True)
class SigningKey:
    """A key editions are signed with: its id, its public half as PEM, and whether it is
    the one that signs now."""

    key_id: str
    pem: str
    current: bool


def signing_keys() -> list[SigningKey]:
    """Return the key that signs editions now, then every earlier one an edition names."""
    require(can_read_publications, current_principal())
    raw = current_app.config["AUDIT_SIGNING_KEY"]
    now = key_id(private_key(raw).public_key())
    keys = [SigningKey(now, public_key_pem(raw).decode("ascii"), True)]
    earlier = db.session.execute(
        select(Publication.key_id, Publication.public_key)
        .where(Publication.key_id != now, Publication.public_key.is_not(None))
        .group_by(Publication.key_id, Publication.public_key)
        .order_by(func.min(Publication.published_at).desc())
    )
    for identifier, public in earlier:
        half = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public))
        # A row naming a key its public half does not match is no key of ours.
        if key_id(half) == identifier:
            pem = half.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
            keys.append(SigningKey(identifier, pem.decode("ascii"), False))
    return keys
