"""``Idempotency-Key`` on every POST of the API: a retry is answered, not acted on again.

A client that did not get the answer to a POST (a timeout, a dropped connection) sends it
again with the same ``Idempotency-Key`` header, any text of 1 to 200 characters without
control characters (a UUID is a good one). Before the view runs (``claim_key``):

- the user's key, kept from a request with the same method, path, query and body less
  than 24 hours ago, answered with success: that answer is given again (its status,
  body, ``ETag`` and ``Location``, marked ``Idempotent-Replayed: true``) and nothing is
  done;
- the same key with another request: 422 ``idempotency_key_reused``;
- the same request still being answered: 409 ``idempotency_key_in_use``;
- otherwise the key is claimed (committed) and the view runs. After it
  (``settle_key``) a success is kept for the retries, anything else releases the key so
  that a retry runs again.

A key older than 24 hours is ignored. A malformed key is refused with 400, as is any
other unreadable request. Both hooks belong to every blueprint of the API
(``portal.api.core.Blueprint``); other methods than POST ignore the header.

The window this leaves open (a process dying after the view committed and before the
answer was kept: retries get 409 until the key expires) is described in
``portal.services.idempotency``.
"""

from __future__ import annotations

import hashlib
import json

import structlog
from flask import Response, current_app, g, request
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from portal.exceptions import DomainError
from portal.extensions import db
from portal.models.idempotency import LONGEST_KEY
from portal.services import idempotency
from portal.services.idempotency import HEADER, Answer

log = structlog.get_logger("portal.api.idempotency")

# What a retry is given again besides the body: what the body is, which version of the
# record it describes, and where the record created lives.
REPLAYED_HEADERS = ("Content-Type", "ETag", "Location")
_CLAIM = "idempotency_claim"


class MalformedKey(DomainError):
    """An ``Idempotency-Key`` header that cannot name a request: refused, nothing read."""

    status = 400
    code = "bad_request"


def _check(key: str) -> None:
    if not key:
        reason = "The key is empty."
    elif len(key) > LONGEST_KEY:
        reason = f"Use at most {LONGEST_KEY} characters."
    elif any(ord(character) < 32 or 127 <= ord(character) < 160 for character in key):
        reason = "Remove the control characters from the key."
    else:
        return
    raise MalformedKey(
        "The Idempotency-Key header cannot name this request; nothing was done.", {HEADER: reason}
    )


def fingerprint() -> str:
    """Return the SHA-256 of the request's method, path, query string and body, in hex."""
    digest = hashlib.sha256()
    for part in (
        request.method.encode(),
        request.path.encode(),
        request.query_string,
        request.get_data(cache=True),
    ):
        # Each part with its length, so that no two requests run together alike.
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def claim_key() -> Response | None:
    """Before a POST's view: give a kept answer again, or claim the request's key."""
    key = request.headers.get(HEADER)
    if request.method != "POST" or key is None:
        return None
    _check(key)
    # A POST that changes nothing (verifying the trail) is answered afresh every time:
    # a kept answer would report the trail as it was, not as it is.
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "_reads_only", False):
        return None
    outcome = idempotency.claim(current_user._get_current_object(), key, fingerprint())
    if isinstance(outcome, Answer):
        response = Response(outcome.body, status=outcome.status, headers=outcome.headers)
        response.headers["Idempotent-Replayed"] = "true"
        return response
    setattr(g, _CLAIM, outcome)
    return None


_WITHHELD = "idempotency_withheld"
WITHHELD_TEXT = "(shown only in the first answer)"


def withhold_from_replays(*names: str) -> None:
    """Keep these fields of this POST's answer out of what retries are given again.

    For what is shown once (a webhook's signing secret): the kept answer is stored in
    the database as it is, and must not hold it.
    """
    setattr(g, _WITHHELD, names)


def _kept_body(response: Response) -> str:
    body = response.get_data(as_text=True)
    withheld = g.pop(_WITHHELD, ())
    if not withheld:
        return body
    answer = json.loads(body)
    for name in withheld:
        if name in answer:
            answer[name] = WITHHELD_TEXT
    return json.dumps(answer)


def settle_key(response: Response) -> Response:
    """After a POST's view: keep a success for the retries, release the key otherwise."""
    claim = g.pop(_CLAIM, None)
    if claim is None:
        return response
    try:
        if 200 <= response.status_code < 300:
            headers = {
                name: response.headers[name]
                for name in REPLAYED_HEADERS
                if name in response.headers
            }
            claim.keep(Answer(response.status_code, _kept_body(response), headers))
        else:
            claim.release()
    except SQLAlchemyError:
        db.session.rollback()
        # The answer goes out all the same. A success not kept leaves the key claimed
        # (retries get 409) rather than free for the change to be made twice.
        log.error("idempotency_key_not_settled", status=response.status_code, exc_info=True)
    return response
