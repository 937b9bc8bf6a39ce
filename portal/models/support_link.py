"""Support links: which responses address which needs, and how far that is agreed."""

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    FetchedValue,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.link_ends import COPIED_COLUMNS
from portal.models.base import Base, UTCDateTime, check_in, utc_now
from portal.models.need import Need
from portal.models.response import Response
from portal.models.user import User

COVERAGES = ("full", "partial")
# Written by the database, never by the portal: reloaded after every insert and update.
_COPIED = {"server_default": FetchedValue(), "server_onupdate": FetchedValue()}
LINK_STATUSES = ("proposed", "confirmed", "disputed", "validated")


class SupportLink(Base):
    """A response's claim to address a need: proposed, confirmed by the partner, validated."""

    __tablename__ = "support_links"
    __table_args__ = (
        CheckConstraint(check_in("coverage", COVERAGES), name="coverage"),
        CheckConstraint(check_in("status", LINK_STATUSES), name="status"),
        UniqueConstraint("response_id", "need_id"),
        # A partner's dashboard lists the first links to its needs waiting for its answer,
        # the oldest first; the Secretariat's, the first confirmed links waiting for it.
        # In the order of the lists: the first ten are read, not thousands sorted.
        Index(
            "ix_support_links_need_tenant_id_status_created_at",
            "need_tenant_id",
            "status",
            "created_at",
            "id",
        ),
        Index("ix_support_links_status_confirmed_at", "status", "confirmed_at", "id"),
        # The analysis reads a cycle's counted links from this index alone (on
        # PostgreSQL it holds every column the read and the visibility test need).
        Index(
            "ix_support_links_need_cycle_id_status",
            "need_cycle_id",
            "status",
            postgresql_include=[
                "need_id",
                "coverage",
                "response_id",
                *(column for column in COPIED_COLUMNS if column != "need_cycle_id"),
            ],
        ),
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

    # Copies of the two ends' columns, set by the database on every write (portal.link_ends):
    # the portal never writes them, and reads them only to decide who sees the link.
    need_tenant_id: Mapped[int | None] = mapped_column(**_COPIED)
    need_cycle_id: Mapped[int | None] = mapped_column(**_COPIED)
    need_status: Mapped[str | None] = mapped_column(String(20), **_COPIED)
    need_pillar_id: Mapped[int | None] = mapped_column(**_COPIED)
    response_tenant_id: Mapped[int | None] = mapped_column(**_COPIED)
    response_record_status: Mapped[str | None] = mapped_column(String(20), **_COPIED)
    response_visibility: Mapped[str | None] = mapped_column(String(20), **_COPIED)
    response_implementation_status: Mapped[str | None] = mapped_column(String(20), **_COPIED)

    response: Mapped[Response] = relationship()
    need: Mapped[Need] = relationship()
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<SupportLink {self.id}>"
