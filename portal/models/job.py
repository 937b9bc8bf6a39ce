"""Background work people asked for and follow on a page: a job's state and progress."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, utc_now
from portal.models.user import User

JOB_STATUSES = ("queued", "running", "succeeded", "failed")


class Job(Base):
    """A run of background work started by a person (an import, a report), and its state.

    The worker claims it for a while (``lease_until``) and reports progress as it goes;
    a job whose worker stopped without finishing it is run again once its lease ends
    (``portal.jobs``). What it changes is recorded on the records it changes.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'running', 'succeeded', 'failed')", name="known_status"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    # What the job is given, as JSON; never secrets.
    arguments: Mapped[list] = mapped_column(JSON, default=list)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    # How far it got: ``done`` of ``total`` steps (rows, pages), total unknown as None.
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int | None] = mapped_column(Integer)
    # What the person is told: the result when it succeeded, the reason when it failed.
    message: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    actor: Mapped[User] = relationship()

    @property
    def finished(self) -> bool:
        """Return whether the job has ended, well or not."""
        return self.status in ("succeeded", "failed")

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.name} {self.status}>"
