"""The API's answers to POSTs named by an Idempotency-Key, kept a day for retries."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, utc_now

LONGEST_KEY = 200


class IdempotencyKey(Base):
    """One user's POST to the API under an ``Idempotency-Key``, and the answer it was given.

    A replay cache: a retry with the same key and the same request (method, path and
    body, as ``fingerprint``) is given the stored answer again instead of acting twice.
    While the first request is still being answered the entry is claimed but not
    ``completed_at``; an answer that was not a success is not kept (the entry goes).
    """

    __tablename__ = "api_idempotency_keys"
    __table_args__ = (
        UniqueConstraint("user_id", "key"),
        # An answer is kept whole, or not yet at all.
        CheckConstraint(
            "(completed_at IS NULL AND status IS NULL AND body IS NULL)"
            " OR (completed_at IS NOT NULL AND status IS NOT NULL AND body IS NOT NULL)",
            name="answer_complete",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(LONGEST_KEY))
    # SHA-256 of the request's method, path, query string and body, in hexadecimal.
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The answer: its status, its body as sent, and the headers a retry is given again.
    status: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict | None] = mapped_column(JSON)

    def __repr__(self) -> str:
        return f"<IdempotencyKey {self.id}>"
