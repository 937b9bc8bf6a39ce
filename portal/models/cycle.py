"""Needs mapping cycles."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, check_in, utc_now

CYCLE_STATUSES = ("open", "consolidation", "adopted", "archived")


class Cycle(Base):
    """A two-yearly needs mapping cycle, ending with a report adopted by the IISG Board."""

    __tablename__ = "cycles"
    __table_args__ = (
        CheckConstraint(check_in("status", CYCLE_STATUSES), name="status"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        # An adopted (or later archived) cycle always says when and where it was adopted.
        CheckConstraint(
            "status IN ('open', 'consolidation')"
            " OR (adopted_on IS NOT NULL AND board_meeting IS NOT NULL)",
            name="adoption_recorded",
        ),
        Index(
            "uq_cycles_one_open",
            "status",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20), unique=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    submission_deadline: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    board_meeting: Mapped[str | None] = mapped_column(String(200))
    adopted_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Cycle {self.name}>"
