"""Reports the worker made for the people who asked: kept for them to download."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, utc_now


class ReportFile(Base):
    """A report made on the worker, as its reader may see the records, for that reader.

    A large report takes longer than a person waits for a page; the worker makes it as a
    tracked job (``job_id``) and keeps the file here for the one who asked (``actor_id``).
    """

    __tablename__ = "report_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(Integer, index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    def __repr__(self) -> str:
        return f"<ReportFile {self.id} {self.name}>"
