"""What the schedule's verification of the audit trail found, run by run."""

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, utc_now


class AuditVerification(Base):
    """One verification of every chain of the audit trail and of its capture.

    Written by the worker's daily job (``portal.jobs``), as the system; read by the
    Secretariat's auditors and administrators, whose dashboard names a failed one.
    """

    __tablename__ = "audit_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    # False when a chain is broken or the capture is not as installed; entries that no
    # checkpoint covers yet are not a failure here (the schedule signs them minutes later).
    passed: Mapped[bool] = mapped_column(Boolean)
    chains: Mapped[int] = mapped_column(Integer)
    entries: Mapped[int] = mapped_column(Integer)
    # One line per break found (chain, kind, position), as `iisg audit verify` prints it.
    findings: Mapped[str] = mapped_column(Text, default="")
    # Who ran it: "schedule", or the command that asked.
    trigger: Mapped[str] = mapped_column(String(40), default="schedule")

    def __repr__(self) -> str:
        return f"<AuditVerification {self.id} {'passed' if self.passed else 'failed'}>"
