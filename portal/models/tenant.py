"""Tenants: the organisations whose people use the portal."""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, check_in, utc_now
from portal.models.reference import PartnerEconomy

TENANT_KINDS = ("partner", "member", "secretariat")


class Tenant(Base):
    """A partner administration, an IISG member organisation, or the Secretariat."""

    __tablename__ = "tenants"
    __table_args__ = (
        CheckConstraint(check_in("kind", TENANT_KINDS), name="kind"),
        # A partner tenant speaks for exactly one economy; nobody else speaks for one.
        CheckConstraint(
            "(kind = 'partner' AND economy_id IS NOT NULL)"
            " OR (kind <> 'partner' AND economy_id IS NULL)",
            name="economy_for_partners",
        ),
        Index(
            "uq_tenants_one_secretariat",
            "kind",
            unique=True,
            sqlite_where=text("kind = 'secretariat'"),
            postgresql_where=text("kind = 'secretariat'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    economy_id: Mapped[int | None] = mapped_column(ForeignKey("partner_economies.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    economy: Mapped[PartnerEconomy | None] = relationship()

    def __repr__(self) -> str:
        return f"<Tenant {self.code}>"
