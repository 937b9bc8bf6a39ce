"""Load the demonstration data, adding only what is missing so a second run changes nothing."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.demo import content
from portal.extensions import db
from portal.models import (
    AcquisChapter,
    Cycle,
    Need,
    NeedCategory,
    PartnerEconomy,
    Perspective,
    Pillar,
    Response,
    ResponseParty,
    SupportLink,
    Tenant,
    User,
    UserRole,
)
from portal.models.base import utc_now
from portal.security.passwords import hash_password

# Printed by `make run`; demo users are created with it and enrol TOTP at first sign-in.
DEMO_PASSWORD = "Western Balkans security 2026"


@dataclass
class LoadReport:
    """What one run of the loader added."""

    created: Counter = field(default_factory=Counter)
    skipped: bool = False

    def describe(self) -> str:
        """Return a one-line account of the run for the command line."""
        if self.skipped:
            return "The database already holds tenants; demo data not loaded."
        if not self.created:
            return "Demo data already present; nothing changed."
        parts = ", ".join(f"{count} {kind}" for kind, count in self.created.items())
        return f"Demo data loaded: {parts}."


class ReferenceLists:
    """The reference rows the demo content names by code, read once."""

    def __init__(self, session: Session):
        self.pillars = _by(session, Pillar, "code")
        self.categories = _by(session, NeedCategory, "code")
        self.perspectives = _by(session, Perspective, "code")
        self.economies = _by(session, PartnerEconomy, "code")
        self.chapters = _by(session, AcquisChapter, "number")


def _by(session: Session, model, attribute: str) -> dict:
    return {getattr(row, attribute): row for row in session.scalars(select(model))}


def _as_date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _as_timestamp(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=UTC)


def load_demo(if_empty: bool = False) -> LoadReport:
    """Add the demo tenants, users, cycles, needs, responses and links that are missing."""
    session = db.session
    report = LoadReport()
    if if_empty and session.scalar(select(func.count()).select_from(Tenant)):
        report.skipped = True
        return report
    reference = ReferenceLists(session)
    tenants = _load_tenants(session, reference, report)
    _load_users(session, tenants, report)
    cycles = _load_cycles(session, report)
    needs = _load_needs(session, reference, tenants, cycles, report)
    responses = _load_responses(session, reference, tenants, report)
    _load_links(session, needs, responses, cycles, report)
    session.commit()
    return report


def _load_tenants(session, reference, report) -> dict[str, Tenant]:
    tenants = _by(session, Tenant, "code")
    for record in content.TENANTS:
        if record.code in tenants:
            continue
        economy = reference.economies[record.economy] if record.economy else None
        tenant = Tenant(code=record.code, name=record.name, kind=record.kind, economy=economy)
        session.add(tenant)
        tenants[record.code] = tenant
        report.created["tenants"] += 1
    session.flush()
    return tenants


def _load_users(session, tenants, report) -> None:
    existing = set(session.scalars(select(User.email)))
    missing = [record for record in content.USERS if record.email not in existing]
    # One hash for all demo users: they share the published demo password anyway.
    password_hash = hash_password(DEMO_PASSWORD) if missing else None
    for record in missing:
        user = User(
            email=record.email,
            name=record.name,
            tenant=tenants[record.tenant],
            password_hash=password_hash,
        )
        user.role_grants = [UserRole(role=role) for role in record.roles]
        session.add(user)
        report.created["users"] += 1
    session.flush()


def demo_accounts() -> list[tuple[str, str, list[str]]]:
    """Return (email, tenant code, roles) of the demo users present in the database."""
    emails = [record.email for record in content.USERS]
    users = db.session.scalars(select(User).where(User.email.in_(emails)).order_by(User.id))
    return [(user.email, user.tenant.code, sorted(user.roles)) for user in users]


def _load_cycles(session, report) -> dict[str, Cycle]:
    cycles = _by(session, Cycle, "name")
    for record in content.CYCLES:
        if record.name in cycles:
            continue
        cycle = Cycle(
            name=record.name,
            starts_on=_as_date(record.starts_on),
            ends_on=_as_date(record.ends_on),
            submission_deadline=_as_date(record.submission_deadline),
            status=record.status,
            board_meeting=record.board_meeting,
            adopted_on=_as_date(record.adopted_on),
        )
        session.add(cycle)
        cycles[record.name] = cycle
        report.created["cycles"] += 1
    session.flush()
    return cycles


def _load_needs(session, reference, tenants, cycles, report) -> dict[str, Need]:
    existing = {
        (need.cycle_id, need.tenant_id, need.title): need for need in session.scalars(select(Need))
    }
    needs: dict[str, Need] = {}
    # Earlier cycles first, so a carried-over need finds the need it continues.
    for record in sorted(content.NEEDS, key=lambda need: need.previous is not None):
        cycle, tenant = cycles[record.cycle], tenants[record.partner]
        need = existing.get((cycle.id, tenant.id, record.title))
        if need is None:
            # Needs of an adopted cycle last changed when the Board adopted them.
            stamp = _as_timestamp(cycle.adopted_on) if cycle.adopted_on else utc_now()
            need = Need(
                cycle=cycle,
                tenant=tenant,
                pillar=reference.pillars[record.pillar],
                category=reference.categories[record.category],
                perspective=reference.perspectives[record.perspective],
                title=record.title,
                description=record.description,
                source_reference=record.source,
                priority=record.priority,
                status=record.status,
                return_comment=record.return_comment,
                previous_need=needs[record.previous] if record.previous else None,
                acquis_chapters=[reference.chapters[number] for number in record.acquis],
                created_at=stamp,
                updated_at=stamp,
            )
            session.add(need)
            report.created["needs"] += 1
        needs[record.key] = need
    session.flush()
    return needs


def _load_responses(session, reference, tenants, report) -> dict[str, Response]:
    existing = {
        (response.tenant_id, response.title): response
        for response in session.scalars(select(Response))
    }
    responses: dict[str, Response] = {}
    for record in content.RESPONSES:
        owner = tenants[record.owner]
        response = existing.get((owner.id, record.title))
        if response is None:
            response = Response(
                tenant=owner,
                title=record.title,
                description=record.description,
                pillars=[reference.pillars[code] for code in record.pillars],
                beneficiaries=[reference.economies[code] for code in record.beneficiaries],
                support_type=record.support_type,
                instrument=record.instrument,
                starts_on=_as_date(record.starts_on),
                ends_on=_as_date(record.ends_on),
                budget_amount=Decimal(record.budget_amount) if record.budget_amount else None,
                budget_currency=record.budget_currency,
                implementation_status=record.implementation_status,
                record_status=record.record_status,
                visibility=record.visibility,
                external_reference=record.external_reference,
                parties=_parties(record, tenants),
            )
            session.add(response)
            report.created["responses"] += 1
        responses[record.key] = response
    session.flush()
    return responses


def _parties(record, tenants) -> list[ResponseParty]:
    parties = []
    for role, names in (("donor", record.donors), ("implementer", record.implementers)):
        for position, name in enumerate(names):
            tenant = tenants.get(name)
            parties.append(
                ResponseParty(
                    role=role,
                    position=position,
                    tenant=tenant,
                    name=tenant.name if tenant else name,
                )
            )
    return parties


def _load_links(session, needs, responses, cycles, report) -> None:
    existing = set(session.execute(select(SupportLink.response_id, SupportLink.need_id)))
    for record in content.LINKS:
        response, need = responses[record.response], needs[record.need]
        if (response.id, need.id) in existing:
            continue
        cycle = need.cycle
        stamp = _as_timestamp(cycle.adopted_on) if cycle.adopted_on else utc_now()
        agreed = record.status in ("confirmed", "validated")
        session.add(
            SupportLink(
                response=response,
                need=need,
                coverage=record.coverage,
                status=record.status,
                note=record.note,
                confirmed_at=stamp if agreed else None,
                validated_at=stamp if record.status == "validated" else None,
                created_at=stamp,
                updated_at=stamp,
            )
        )
        report.created["support links"] += 1
    session.flush()
