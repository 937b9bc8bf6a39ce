"""Domain exceptions: the expected refusals of business actions.

Services raise them; ``portal.errors`` turns them into HTML or JSON responses, once.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """An expected refusal of a business action, with a status and a readable message."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class NotFound(DomainError):
    """The object does not exist, or the caller may not know that it exists."""

    status = 404
    code = "not_found"


class Forbidden(DomainError):
    """The caller may see the object but may not do this to it."""

    status = 403
    code = "forbidden"


class Conflict(DomainError):
    """The action clashes with the object's current state."""

    status = 409
    code = "conflict"


class ValidationFailed(DomainError):
    """The input is unusable; ``fields`` names each bad field and the reason."""

    status = 422
    code = "validation_failed"


class Unavailable(DomainError):
    """Something this installation lacks or cannot reach now; the rest works on."""

    status = 503
    code = "unavailable"
