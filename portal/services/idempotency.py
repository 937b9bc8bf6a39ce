"""The API's answers kept for retried POSTs (Idempotency-Key): claim a key, keep or forget.

A request names itself with a key; the first to come claims the key (committed before
its view runs), and when it is answered the answer is kept (a success) or the claim
released (anything else, so that a retry runs again). A retry of a kept request is
given the kept answer; one of a request still being answered is refused (409); a key
used again for another request is refused (422). Keys are each user's own and kept
``KEPT_FOR``; older ones are ignored, and purged when their user claims another.

What this cannot close is the window between a view committing its change and the
answer being kept: a process that dies in it leaves the claim taken with no answer, so
every retry is refused as still being answered (409) until the key expires, and the
client must find out (a GET) whether its change was made. A claim kept in the view's
own transaction would close it, but the services commit their changes themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from portal.authz import can_manage_own_account, require
from portal.exceptions import Conflict, ValidationFailed
from portal.extensions import db
from portal.identity import current_principal
from portal.models import IdempotencyKey, User
from portal.models.base import utc_now

HEADER = "Idempotency-Key"
KEPT_FOR = timedelta(hours=24)


class KeyReused(ValidationFailed):
    """The key already named another request of the user's."""

    code = "idempotency_key_reused"


class KeyInUse(Conflict):
    """The request the key names is still being answered (or its answer was lost)."""

    code = "idempotency_key_in_use"


@dataclass(frozen=True)
class Answer:
    """An answer as it was sent: status, body and the headers a retry gets again."""

    status: int
    body: str
    headers: dict[str, str]


@dataclass(frozen=True)
class Claim:
    """A key claimed for the request being answered: keep its answer, or release it.

    Only ``claim`` makes one, having asked whether the user is the principal's own.
    """

    entry_id: int

    def keep(self, answer: Answer) -> None:
        """Keep the request's answer (a success) for its retries."""
        db.session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.id == self.entry_id)
            .values(
                completed_at=utc_now(),
                status=answer.status,
                body=answer.body,
                headers=answer.headers,
            )
        )
        db.session.commit()

    def release(self) -> None:
        """Forget the claim of a request that did not succeed, so that a retry runs again."""
        # Whatever the failed request left unsaved is abandoned, not committed with this.
        db.session.rollback()
        db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == self.entry_id))
        db.session.commit()


def claim(user: User, key: str, fingerprint: str) -> Claim | Answer:
    """Claim ``key`` for a request of ``user``'s, or return the answer kept for it.

    ``fingerprint`` names the request (its method, path and body). Raises ``KeyReused``
    when the key named another request, ``KeyInUse`` when its request is being answered.
    """
    require(can_manage_own_account, current_principal(), user)
    # The user's expired keys go first: they are ignored, and the key may be used anew.
    db.session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.user_id == user.id, IdempotencyKey.created_at <= utc_now() - KEPT_FOR
        )
    )
    for _attempt in range(2):
        entry = db.session.scalar(
            select(IdempotencyKey).where(
                IdempotencyKey.user_id == user.id, IdempotencyKey.key == key
            )
        )
        if entry is not None:
            return _kept_answer(entry, fingerprint)
        entry = IdempotencyKey(user_id=user.id, key=key, fingerprint=fingerprint)
        db.session.add(entry)
        try:
            db.session.commit()
        except IntegrityError:
            # A request with the same key claimed it meanwhile: judged as above.
            db.session.rollback()
            continue
        return Claim(entry.id)
    raise KeyInUse(
        "A request with this Idempotency-Key is still being answered; nothing was done.",
        {HEADER: "Wait for the first request's answer, or retry later."},
    )


def _kept_answer(entry: IdempotencyKey, fingerprint: str) -> Answer:
    if entry.fingerprint != fingerprint:
        db.session.rollback()
        raise KeyReused(
            "This Idempotency-Key was used for another request; nothing was done.",
            {HEADER: "Use a new key for each request; repeat a key only to retry it."},
        )
    if entry.completed_at is None:
        db.session.rollback()
        raise KeyInUse(
            "A request with this Idempotency-Key is still being answered; nothing was done.",
            {HEADER: "Wait for the first request's answer, or retry later."},
        )
    answer = Answer(entry.status, entry.body, dict(entry.headers or {}))
    # The purge of expired keys is kept.
    db.session.commit()
    return answer
