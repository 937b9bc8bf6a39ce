"""Spreadsheets and IATI files people upload to create or change records in bulk."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, check_in, utc_now
from portal.models.user import User

IMPORT_KINDS = ("needs", "responses", "links")
# checking: its dry run waits for the worker; checked: its dry run is ready to read and
# apply; applied: written (once, all of it). A refused apply leaves it checked, with the
# outcome of the refused attempt.
IMPORT_STATUSES = ("checking", "checked", "applying", "applied")


class DataImport(Base):
    """One uploaded file, its dry run, and whether it was applied.

    The file is kept as uploaded (``content``), so the worker can read it and the dry
    run can be repeated when applying; ``outcome`` is what the last dry run found, row
    by row. What applying it changes is recorded on the records it changes.
    """

    __tablename__ = "imports"
    __table_args__ = (
        CheckConstraint(check_in("kind", IMPORT_KINDS), name="kind"),
        CheckConstraint(check_in("status", IMPORT_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    # csv, xlsx or iati; and the text encoding a CSV file was read with.
    file_format: Mapped[str] = mapped_column(String(10))
    encoding: Mapped[str | None] = mapped_column(String(20))
    # An IATI file's pillar for activities whose sectors name none.
    default_pillar: Mapped[str | None] = mapped_column(String(20))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    status: Mapped[str] = mapped_column(String(10), default="checking")
    # The last dry run: {"rows": [...], "counts": {...}, "problems": [...]}.
    outcome: Mapped[dict | None] = mapped_column(JSON, deferred=True)
    # The tracked job checking or applying it, while the worker does.
    job_id: Mapped[int | None] = mapped_column(Integer)
    # Every audit entry of applying it carries this request id.
    request_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    actor: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<DataImport {self.id} {self.kind} {self.status}>"
