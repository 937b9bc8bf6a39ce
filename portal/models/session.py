"""Server-side sign-in sessions, recovery codes and invitations."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, check_in, utc_now
from portal.models.user import User

SECOND_FACTOR_METHODS = ("totp", "recovery_code")
# read: the token may only read; write: it may also change records.
TOKEN_SCOPES = ("read", "write")


class UserSession(Base):
    """One sign-in: half-complete after the password, complete after the second factor.

    The browser holds a random token; only its SHA-256 digest is stored, so reading this
    table gives nobody a usable session.
    """

    __tablename__ = "user_sessions"
    __table_args__ = (
        # NULL (no second factor yet) passes a CHECK, as SQL defines.
        CheckConstraint(
            check_in("second_factor_method", SECOND_FACTOR_METHODS), name="second_factor_method"
        ),
        CheckConstraint("failed_attempts >= 0", name="failed_attempts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    second_factor_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    second_factor_method: Mapped[str | None] = mapped_column(String(20))
    reauthenticated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    pending_totp_secret_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    ip_address: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(40))

    user: Mapped[User] = relationship()

    @property
    def complete(self) -> bool:
        """Return whether both factors have been proved in this session."""
        return self.second_factor_at is not None

    def __repr__(self) -> str:
        return f"<UserSession {self.id}>"


class RecoveryCode(Base):
    """A single-use code that stands in for the authenticator app; only its hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Invitation(Base):
    """A one-time, expiring link with which a new user sets a password and enrols 2FA."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class ApiToken(Base):
    """A bearer token for the JSON API: one user's, expiring, revocable, stored as a digest."""

    __tablename__ = "api_tokens"
    __table_args__ = (CheckConstraint(check_in("scope", TOKEN_SCOPES), name="scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters, shown in lists so people can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the token may do (TOKEN_SCOPES). The portal always names it; the database's
    # default is what the tokens made before scopes existed could do: everything.
    scope: Mapped[str] = mapped_column(String(5), server_default="write")

    user: Mapped[User] = relationship()
