"""Users and the roles they hold within their tenant."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, check_in, utc_now
from portal.models.tenant import Tenant

ROLES = ("viewer", "editor", "tenant_admin", "auditor", "admin")


class User(UserMixin, Base):
    """A person who signs in to the portal on behalf of one tenant."""

    __tablename__ = "users"
    __table_args__ = (
        # Emails are unique regardless of case: they are stored lower-cased, and the
        # database refuses anything else so the unique constraint means what it says.
        CheckConstraint("email = lower(email)", name="email_lower_case"),
        CheckConstraint("failed_login_count >= 0", name="failed_login_count_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    totp_secret_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Whether the worker mails a daily digest of what waits for the user (portal.jobs).
    digests: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    failed_login_count: Mapped[int] = mapped_column(Integer, default=0)
    failure_window_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lockout_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when a recovery code is used; the user is told on their next page, then cleared.
    recovery_code_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    tenant: Mapped[Tenant] = relationship()
    role_grants: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="UserRole.role"
    )

    @property
    def is_active(self) -> bool:
        """Return whether the user may use the portal (flask-login asks this)."""
        return self.active

    @property
    def enrolled(self) -> bool:
        """Return whether the user has a confirmed authenticator app."""
        return self.totp_secret_encrypted is not None

    @property
    def roles(self) -> frozenset[str]:
        """Return the names of the roles the user holds."""
        return frozenset(grant.role for grant in self.role_grants)

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class UserRole(Base):
    """One role held by one user."""

    __tablename__ = "user_roles"
    __table_args__ = (CheckConstraint(check_in("role", ROLES), name="role"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_grants")
