"""The daily verification of the audit trail: running it, and what its readers are told."""

from __future__ import annotations

import structlog
from sqlalchemy import select

from portal import audit_trail
from portal.authz import can_see_trail_health, require
from portal.extensions import db
from portal.identity import current_principal
from portal.models import AuditVerification
from portal.models.base import utc_now

log = structlog.get_logger("portal.audit")

# The most of the findings kept with a run: one line per broken chain is far less.
LONGEST_FINDINGS = 20_000


def verify_and_record(trigger: str = "schedule") -> AuditVerification:
    """Verify every chain and the capture, keep the outcome, and log a failure as an error.

    Entries no checkpoint covers yet do not fail it: the schedule signs them within
    minutes, and ``iisg audit verify`` reports them.
    """
    require(can_see_trail_health, current_principal())
    started = utc_now()
    report = audit_trail.verify()
    findings = [chain.describe() for chain in report.chains if chain.first_break]
    findings += [item.describe() for item in report.capture]
    run = AuditVerification(
        started_at=started,
        finished_at=utc_now(),
        passed=report.passes(allow_unsigned=True),
        chains=len(report.chains),
        entries=sum(chain.size for chain in report.chains),
        findings="\n".join(findings)[:LONGEST_FINDINGS],
        trigger=trigger,
    )
    db.session.add(run)
    db.session.commit()
    if run.passed:
        log.info("audit_verification_passed", chains=run.chains, entries=run.entries)
    else:
        log.error("audit_verification_failed", chains=run.chains, findings=findings)
    return run


def latest() -> AuditVerification | None:
    """Return the newest verification for those told of the trail's health, else None."""
    if not can_see_trail_health(current_principal()):
        return None
    return db.session.scalar(select(AuditVerification).order_by(AuditVerification.id.desc()))
