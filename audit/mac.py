"""Entry MACs: on SQLite, what tells an entry the application wrote from one it did not.

SQLite has no roles: any process that can open the database file can define the
functions the capture triggers call, or drop the triggers, and write what it likes. So
on SQLite every entry the application writes carries a MAC (``audit_entries.mac``) made
with a key derived from the application's secret key, which never enters the database:
whoever writes without that secret can write entries, but not MACs that verify.

- The key: ``HMAC-SHA256(secret key as UTF-8, "iisg audit entry mac v1")``; its **key
  id** is the first 8 hex digits of ``HMAC-SHA256(key, "key id")``.
- The MAC of an entry: ``HMAC-SHA256(key, message)``, the message being the UTF-8 bytes of
  a JSON array (ASCII, no whitespace) of the entry's ``ENTRY_FIELDS`` in that order, each
  ``null`` or the text of its value as stored (an integer as its decimal digits).
- The column holds ``key id:MAC`` as lower-case hex, so that entries made before the
  secret key was rotated can be checked with the earlier secret.

PostgreSQL needs none of this: there the capture functions are ``SECURITY DEFINER`` and
the application's role cannot write the trail at all; its entries leave ``mac`` NULL.

Entries written before MACs existed have none. The migration that introduced them wrote
one authenticated event, ``STARTED_EVENT``, naming the highest entry id of that moment:
an entry without a valid MAC above it is reported, one at or below it is not. The event
is authenticated like any other entry, so moving the starting point needs the secret too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field

from audit.canonical import ENTRY_FIELDS

LABEL = b"iisg audit entry mac v1"
# The event the migration writes, and the member of its details naming the last entry
# made before entries carried MACs.
STARTED_EVENT = "audit_macs_started"
STARTED_THROUGH = "unauthenticated_through"

_encode = json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode


def message(values) -> bytes:
    """Return the bytes an entry's MAC covers, from its ``ENTRY_FIELDS`` values in order."""
    if len(values) != len(ENTRY_FIELDS):
        raise ValueError(f"an entry has {len(ENTRY_FIELDS)} fields, not {len(values)}")
    # Text, whatever SQLite's column affinity made of it: an integer written as text, or
    # text read back as an integer, is the same message.
    return _encode([None if value is None else str(value) for value in values]).encode("ascii")


@dataclass(frozen=True)
class MacKey:
    """One key entry MACs are made or checked with, derived from a secret key."""

    key_id: str
    _hmac: object = field(repr=False, compare=False)

    @classmethod
    def from_secret(cls, secret: str | bytes) -> MacKey:
        """Derive the MAC key of an application secret key (``SECRET_KEY``)."""
        raw = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
        if not raw:
            raise ValueError("an empty secret key makes no MAC key")
        key = hmac.new(raw, LABEL, hashlib.sha256).digest()
        key_id = hmac.new(key, b"key id", hashlib.sha256).hexdigest()[:8]
        return cls(key_id, hmac.new(key, digestmod=hashlib.sha256))

    def mac(self, values) -> str:
        """Return the MAC column of an entry with these ``ENTRY_FIELDS`` values."""
        digest = self._hmac.copy()
        digest.update(message(values))
        return f"{self.key_id}:{digest.hexdigest()}"


def keys_from_secrets(secrets) -> dict[str, MacKey]:
    """Return the MAC keys of the given secret keys (current first), by key id."""
    keys: dict[str, MacKey] = {}
    for secret in secrets:
        key = MacKey.from_secret(secret)
        keys.setdefault(key.key_id, key)
    return keys


def problem(keys: dict[str, MacKey], values, stored: str | None) -> str | None:
    """Return why an entry's stored MAC does not authenticate it, or None when it does."""
    if stored is None:
        return "it carries no MAC"
    key_id, _colon, _digest = stored.partition(":")
    key = keys.get(key_id)
    if key is None:
        return f"its MAC names key {key_id[:16]!r}, made from none of the secret keys given"
    if not hmac.compare_digest(key.mac(values).encode(), stored.encode()):
        return "its MAC does not verify"
    return None
