"""Responses: programmes and actions of IISG members, and who funds and runs them."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, check_in, utc_now
from portal.models.reference import PartnerEconomy, Pillar
from portal.models.tenant import Tenant

SUPPORT_TYPES = (
    "technical_assistance",
    "training",
    "equipment",
    "twinning",
    "legislative_advice",
    "other",
)
IMPLEMENTATION_STATUSES = ("planned", "ongoing", "completed", "cancelled")
RECORD_STATUSES = ("draft", "published")
VISIBILITIES = ("members", "restricted")
PARTY_ROLES = ("donor", "implementer")

response_pillars = Table(
    "response_pillars",
    Base.metadata,
    Column("response_id", ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True),
    Column("pillar_id", ForeignKey("pillars.id"), primary_key=True, index=True),
)

response_beneficiaries = Table(
    "response_beneficiaries",
    Base.metadata,
    Column("response_id", ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True),
    Column("economy_id", ForeignKey("partner_economies.id"), primary_key=True, index=True),
)


class Response(Base):
    """A programme or action of an IISG member that answers partners' needs."""

    __tablename__ = "responses"
    __table_args__ = (
        CheckConstraint(check_in("support_type", SUPPORT_TYPES), name="support_type"),
        CheckConstraint(
            check_in("implementation_status", IMPLEMENTATION_STATUSES),
            name="implementation_status",
        ),
        CheckConstraint(check_in("record_status", RECORD_STATUSES), name="record_status"),
        CheckConstraint(check_in("visibility", VISIBILITIES), name="visibility"),
        CheckConstraint(
            "starts_on IS NULL OR ends_on IS NULL OR ends_on >= starts_on",
            name="ends_after_start",
        ),
        CheckConstraint("budget_amount >= 0", name="budget_not_negative"),
        # An amount means nothing without its currency, and a currency nothing alone.
        CheckConstraint(
            "(budget_amount IS NULL AND budget_currency IS NULL)"
            " OR (budget_amount IS NOT NULL AND budget_currency IS NOT NULL)",
            name="budget_has_currency",
        ),
        Index("ix_responses_tenant_record_status", "tenant_id", "record_status"),
        Index("ix_responses_record_status_visibility", "record_status", "visibility"),
        # The lists' default order, newest change first: a page is read off the index.
        Index("ix_responses_updated_at_id", "updated_at", "id"),
        # A dashboard lists the organisation's own responses longest unchanged first.
        Index("ix_responses_tenant_id_updated_at", "tenant_id", "updated_at", "id"),
        # An import finds the response a row names by its external reference.
        Index("ix_responses_external_reference", "external_reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    support_type: Mapped[str] = mapped_column(String(30))
    instrument: Mapped[str] = mapped_column(String(100), default="")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    budget_amount: Mapped[Decimal | None] = mapped_column(Numeric(15, 2))
    budget_currency: Mapped[str | None] = mapped_column(String(3))
    implementation_status: Mapped[str] = mapped_column(String(20), default="planned")
    record_status: Mapped[str] = mapped_column(String(20), default="draft")
    visibility: Mapped[str] = mapped_column(String(20), default="members")
    external_reference: Mapped[str | None] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)

    tenant: Mapped[Tenant] = relationship()
    pillars: Mapped[list[Pillar]] = relationship(
        secondary=response_pillars, order_by=Pillar.position
    )
    beneficiaries: Mapped[list[PartnerEconomy]] = relationship(
        secondary=response_beneficiaries, order_by=PartnerEconomy.position
    )
    parties: Mapped[list["ResponseParty"]] = relationship(
        back_populates="response",
        cascade="all, delete-orphan",
        order_by="(ResponseParty.role, ResponseParty.position)",
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def donors(self) -> list["ResponseParty"]:
        """Return the organisations funding the response, in the order given."""
        return [party for party in self.parties if party.role == "donor"]

    @property
    def implementers(self) -> list["ResponseParty"]:
        """Return the organisations carrying the response out, in the order given."""
        return [party for party in self.parties if party.role == "implementer"]

    def __repr__(self) -> str:
        return f"<Response {self.id}>"


class ResponseParty(Base):
    """A donor or implementer of a response: a tenant where it is one, else a named body."""

    __tablename__ = "response_parties"
    __table_args__ = (
        CheckConstraint(check_in("role", PARTY_ROLES), name="role"),
        UniqueConstraint("response_id", "role", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer, default=0)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))

    response: Mapped[Response] = relationship(back_populates="parties")
    tenant: Mapped[Tenant | None] = relationship()
