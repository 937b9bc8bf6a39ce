"""Support links: which responses address which needs, and how far that is agreed."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, check_in, utc_now
from portal.models.need import Need
from portal.models.response import Response
from portal.models.user import User

COVERAGES = ("full", "partial")
LINK_STATUSES = ("proposed", "confirmed", "disputed", "validated")


class SupportLink(Base):
    """A response's claim to address a need: proposed, confirmed by the partner, validated."""

    __tablename__ = "support_links"
    __table_args__ = (
        CheckConstraint(check_in("coverage", COVERAGES), name="coverage"),
        CheckConstraint(check_in("status", LINK_STATUSES), name="status"),
        UniqueConstraint("response_id", "need_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    coverage: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    note: Mapped[str] = mapped_column(Text, default="")
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    validated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)

    response: Mapped[Response] = relationship()
    need: Mapped[Need] = relationship()
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<SupportLink {self.id}>"
