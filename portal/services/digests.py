"""Daily digests: what waits for each person, mailed by the worker (or logged without SMTP)."""

from __future__ import annotations

import calendar
import smtplib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import structlog
from flask import current_app
from sqlalchemy import func, select

from portal import mail
from portal.authz import (
    WORKING_CYCLE_STATUSES,
    can_manage_own_account,
    can_run_background_work,
    require,
)
from portal.extensions import db
from portal.identity import act_as, act_as_system, current_principal
from portal.models import Cycle, Invitation, Need, Response, SupportLink, Tenant, User
from portal.models.base import utc_now

log = structlog.get_logger("portal.digests")

# Items named in a section; the rest are counted.
SHOWN = 10
# Invitations that lapse within this time are about to expire.
EXPIRING_WITHIN = timedelta(hours=48)
# Responses unchanged this long are reminded of before the response mapping round.
STALE_AFTER = timedelta(days=365)


@dataclass
class Section:
    """One kind of thing waiting: a heading, the first few items, and how many in all."""

    heading: str
    items: list[str]
    total: int


@dataclass
class Digest:
    """What waits for one person today."""

    user: User
    sections: list[Section] = field(default_factory=list)

    def text(self) -> str:
        """Return the digest as the body of a plain-text mail."""
        lines = [f"Dear {self.user.name},", "", "This is what waits for you in the IISG Database:"]
        for section in self.sections:
            lines += ["", f"{section.heading} ({section.total}):"]
            lines += [f"- {item}" for item in section.items]
            if section.total > len(section.items):
                lines.append(f"- and {section.total - len(section.items)} more")
        base = current_app.config["BASE_URL"]
        lines += [
            "",
            f"Sign in at {base}/ to act on them.",
            f"You receive this daily digest because it is switched on at {base}/account;"
            " switch it off there.",
        ]
        return "\n".join(lines)


def _section(heading: str, statement, describe, order) -> Section | None:
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    if not total:
        return None
    rows = db.session.scalars(statement.order_by(*order).limit(SHOWN)).all()
    return Section(heading, [describe(row) for row in rows], total)


def _need(need: Need) -> str:
    return f"{need.code}: {need.title}"


def _link(link: SupportLink) -> str:
    return f"link {link.id}: response {link.response_id} to need {link.need_id}"


def waiting(user: User, today: date, response_round: date | None) -> Digest:
    """Return what waits for ``user``, who must be the one acting (their view of records).

    ``response_round``: when today is the day to remind of the annual response mapping
    round, its date; member editors are then told of their responses unchanged for 12
    months.
    """
    principal = current_principal()
    # Made as its reader: what they may see, nobody else's view.
    require(can_manage_own_account, principal, user)
    own = principal.tenant_id
    editor = principal.has("editor")
    asked = []
    if editor and principal.in_secretariat:
        asked += [
            (
                "Needs submitted, waiting for your validation",
                # Those it may still validate: in a cycle being worked on.
                select(Need)
                .join(Cycle, Cycle.id == Need.cycle_id)
                .where(Need.status == "submitted", Cycle.status.in_(WORKING_CYCLE_STATUSES)),
                _need,
                (Need.updated_at, Need.id),
            ),
            (
                "Support links confirmed, waiting for your validation",
                select(SupportLink).where(SupportLink.status == "confirmed"),
                _link,
                (SupportLink.confirmed_at, SupportLink.id),
            ),
        ]
    if editor and principal.tenant_kind == "partner":
        asked += [
            (
                "Needs returned to you by the Secretariat",
                select(Need).where(Need.tenant_id == own, Need.status == "returned"),
                _need,
                (Need.updated_at, Need.id),
            ),
            (
                "Support links to your needs, waiting for your confirmation",
                select(SupportLink).where(
                    SupportLink.need_tenant_id == own, SupportLink.status == "proposed"
                ),
                _link,
                (SupportLink.created_at, SupportLink.id),
            ),
        ]
    if principal.has("tenant_admin"):
        now = utc_now()
        asked.append(
            (
                "Invitations to your organisation that expire within two days",
                select(Invitation)
                .join(User, User.id == Invitation.user_id)
                .where(
                    User.tenant_id == own,
                    User.active.is_(True),
                    Invitation.used_at.is_(None),
                    Invitation.expires_at > now,
                    Invitation.expires_at <= now + EXPIRING_WITHIN,
                ),
                lambda invitation: (
                    f"{invitation.user.email}, until {invitation.expires_at:%Y-%m-%d %H:%M} UTC"
                ),
                (Invitation.expires_at, Invitation.id),
            )
        )
    if response_round is not None and editor and principal.tenant_kind == "member":
        stale = datetime.combine(today, time.min, tzinfo=UTC) - STALE_AFTER
        asked.append(
            (
                f"Your responses not updated for 12 months, before the response mapping"
                f" round of {response_round.isoformat()}",
                select(Response).where(Response.tenant_id == own, Response.updated_at < stale),
                lambda response: f"{response.title} (last changed {response.updated_at:%Y-%m-%d})",
                (Response.updated_at, Response.id),
            )
        )
    sections = [_section(*question) for question in asked]
    return Digest(user, [section for section in sections if section is not None])


def set_digests(user: User, enabled: bool) -> None:
    """Switch the user's daily digest on or off."""
    require(can_manage_own_account, current_principal(), user)
    user.digests = enabled
    db.session.commit()


def response_round_reminder(today: date, config) -> date | None:
    """Return the date of the coming response mapping round if today is the day to remind."""
    round_date = _round_in(today.year, config["RESPONSE_ROUND_ON"])
    if round_date < today:
        round_date = _round_in(today.year + 1, config["RESPONSE_ROUND_ON"])
    due = round_date - timedelta(days=config["RESPONSE_ROUND_REMINDER_DAYS"])
    return round_date if due == today else None


def _round_in(year: int, month_and_day: tuple[int, int]) -> date:
    month, day = month_and_day
    # A round set on 29 February falls on the 28th in other years.
    if (month, day) == (2, 29) and not calendar.isleap(year):
        day = 28
    return date(year, month, day)


def send_all(today: date, claim) -> int:
    """Mail each person with digests on the digest of what waits for them; return how many.

    ``claim(user_id)`` returns True only the first time it is asked about a person on a
    day, whichever run asks. Runs as the system, acting as each person in turn.
    """
    require(can_run_background_work, current_principal())
    response_round = response_round_reminder(today, current_app.config)
    # People who can sign in: active, in an active organisation, with a password (an
    # invitation not yet taken up has confirmed no address and reads nothing).
    people = db.session.scalars(
        select(User)
        .join(Tenant, Tenant.id == User.tenant_id)
        .where(
            User.active.is_(True),
            User.digests.is_(True),
            User.password_hash.is_not(None),
            Tenant.active.is_(True),
        )
        .order_by(User.id)
    ).all()
    sent = 0
    for person_id in [person.id for person in people]:
        act_as_system("worker: send_digests")
        person = db.session.get(User, person_id)
        act_as(person, label=f"{person.email} (job send_digests)")
        digest = waiting(person, today, response_round)
        text, email = digest.text(), person.email
        # Only read: no transaction stays open while mail is sent.
        db.session.rollback()
        act_as_system("worker: send_digests")
        # Claimed before sending, so that two runs (two workers' schedules, a rerun the
        # same day) never mail anyone twice; a run killed between the two loses that
        # person's digest for the day.
        if not digest.sections or not claim(person_id):
            continue
        subject = f"IISG Database: what waits for you on {today.isoformat()}"
        try:
            if not mail.send(email, subject, text):
                # Without SMTP, as invitations are: the digest goes to the log.
                log.info("digest", recipient=email, subject=subject, body=text)
        except (OSError, smtplib.SMTPException) as error:
            # One refused address must not keep the digest from everyone after it.
            log.error("digest_not_sent", recipient=email, error=str(error).splitlines()[0])
            continue
        sent += 1
    return sent
