"""Needs of the Western Balkans partners, mapped per cycle."""

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, check_in, utc_now
from portal.models.cycle import Cycle
from portal.models.reference import AcquisChapter, NeedCategory, Perspective, Pillar
from portal.models.tenant import Tenant

NEED_STATUSES = ("draft", "submitted", "returned", "validated", "adopted", "withdrawn")
PRIORITIES = ("high", "medium", "low")

need_acquis_chapters = Table(
    "need_acquis_chapters",
    Base.metadata,
    Column("need_id", ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True),
    Column("chapter_id", ForeignKey("acquis_chapters.id"), primary_key=True, index=True),
)


class Need(Base):
    """A legislative, institutional or operational need of one partner in one pillar."""

    __tablename__ = "needs"
    __table_args__ = (
        CheckConstraint(check_in("status", NEED_STATUSES), name="status"),
        CheckConstraint(check_in("priority", PRIORITIES), name="priority"),
        CheckConstraint("previous_need_id <> id", name="not_own_predecessor"),
        # People cite a need by its code (portal.need_codes); each names one need of its cycle.
        UniqueConstraint("cycle_id", "code"),
        # An import finds the need a row names by its code alone.
        Index("ix_needs_code", "code"),
        # The list pages filter one cycle by status and owner; the analysis groups a
        # cycle by pillar and category (on PostgreSQL from this index alone).
        Index(
            "ix_needs_cycle_status",
            "cycle_id",
            "status",
            postgresql_include=["id", "tenant_id", "pillar_id", "category_id"],
        ),
        Index("ix_needs_tenant_cycle_status", "tenant_id", "cycle_id", "status"),
        Index("ix_needs_cycle_pillar_category", "cycle_id", "pillar_id", "category_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # E.g. 2026-AL-WBBSi-014, given when the need is created and never edited.
    code: Mapped[str] = mapped_column(String(60))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    pillar_id: Mapped[int] = mapped_column(ForeignKey("pillars.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("need_categories.id"))
    perspective_id: Mapped[int] = mapped_column(ForeignKey("perspectives.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    source_reference: Mapped[str] = mapped_column(String(300), default="")
    priority: Mapped[str] = mapped_column(String(10), default="medium")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    return_comment: Mapped[str | None] = mapped_column(Text)
    previous_need_id: Mapped[int | None] = mapped_column(
        ForeignKey("needs.id", ondelete="SET NULL"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)

    cycle: Mapped[Cycle] = relationship()
    tenant: Mapped[Tenant] = relationship()
    pillar: Mapped[Pillar] = relationship()
    category: Mapped[NeedCategory] = relationship()
    perspective: Mapped[Perspective] = relationship()
    acquis_chapters: Mapped[list[AcquisChapter]] = relationship(
        secondary=need_acquis_chapters, order_by=AcquisChapter.number
    )
    previous_need: Mapped["Need | None"] = relationship(remote_side=[id])

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Need {self.id}>"
