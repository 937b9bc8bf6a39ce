"""Published editions of the reports: frozen bytes, their hashes and signatures."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, check_in, utc_now
from portal.models.cycle import Cycle
from portal.models.user import User

EDITION_KINDS = ("needs", "responses")
EDITION_STATUSES = ("published", "withdrawn")


class Publication(Base):
    """One published edition of a report, as it was published, byte for byte.

    Its PDF and HTML are stored, never rendered again; the SHA-256 of each is signed
    with the audit signing key (``key_id`` names it), so anyone holding the public key
    can check a downloaded copy. A withdrawn edition stays, marked as withdrawn.
    """

    __tablename__ = "publications"
    __table_args__ = (
        CheckConstraint(check_in("kind", EDITION_KINDS), name="kind"),
        CheckConstraint(check_in("status", EDITION_STATUSES), name="status"),
        # A withdrawn edition says when and why.
        CheckConstraint(
            "status = 'published' OR (withdrawn_at IS NOT NULL AND withdrawal_reason IS NOT NULL)",
            name="withdrawal_recorded",
        ),
        # One edition in force per report; a withdrawn one may be followed by another.
        Index(
            "uq_publications_one_in_force",
            "subject",
            unique=True,
            sqlite_where=text("status = 'published'"),
            postgresql_where=text("status = 'published'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    # Which report: "needs:<cycle name>" or "responses:<year>".
    subject: Mapped[str] = mapped_column(String(40))
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycles.id"))
    year: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="published")
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    html: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    html_sha256: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(16))
    # The public half of that key (32 bytes, hex), so that an edition signed before the
    # key was rotated can still be checked from the public page.
    public_key: Mapped[str | None] = mapped_column(String(64))
    pdf_signature: Mapped[str] = mapped_column(String(128))
    html_signature: Mapped[str] = mapped_column(String(128))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)

    cycle: Mapped[Cycle | None] = relationship()
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])

    def __repr__(self) -> str:
        return f"<Publication {self.id} {self.subject} {self.status}>"
