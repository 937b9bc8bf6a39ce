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
    """Seal and sign what is owed, verify every chain and the capture, keep the outcome,
    and log a failure as an error.

    Sealing and signing first, every entry written until then must be sealed and covered
    by a checkpoint: what is not (the sealer or the key failing, entries written around
    the portal) fails the verification as a break does. Entries written while it runs
    get a second chance: it seals, signs and verifies once more before saying so.
    """
    require(can_see_trail_health, current_principal())
    started = utc_now()
    report = _sealed_and_verified()
    stuck = []
    waiting = any(chain.pending for chain in report.chains)
    if waiting or (not report.passes() and report.passes(allow_unsigned=True)):
        first, report = report, _sealed_and_verified()
        # Sealing is in order: entries waiting at the first pass and still not sealed
        # at the second mean the sealer is not sealing.
        sealed_now = {chain.chain: chain.size for chain in report.chains}
        for chain in first.chains:
            left = chain.size + chain.pending - sealed_now.get(chain.chain, 0)
            if chain.pending and left > 0:
                stuck.append(f"chain {chain.chain}: {left} entries still not sealed")
    findings = [chain.describe() for chain in report.chains if not chain.intact]
    findings += [item.describe() for item in report.capture] + stuck
    run = AuditVerification(
        started_at=started,
        finished_at=utc_now(),
        passed=report.passes() and not stuck,
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


def _sealed_and_verified():
    audit_trail.make_checkpoints()
    return audit_trail.verify()


def latest() -> AuditVerification | None:
    """Return the newest verification for those told of the trail's health, else None."""
    if not can_see_trail_health(current_principal()):
        return None
    return db.session.scalar(select(AuditVerification).order_by(AuditVerification.id.desc()))
