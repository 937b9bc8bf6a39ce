"""The hashable document of an audit entry, and the hash that chains it.

What is hashed: every column of ``audit_entries``, the database ``id`` included, as one
JSON object whose keys are the column names (a NULL column is ``null``, never left
out). The id is part of the document so that an entry cannot be moved: a link names the
entry it seals by id, and the entry's own content names the same id, so swapping two
entries' contents, or re-pointing two links at each other's entries, shows as the right
entry found at the wrong position (``reordered``), not as an edit that happens to fit.

Type rules, the same on PostgreSQL and SQLite (and in exports), at every depth; the row
images inside hold dates, times and booleans as each database writes them (docs/audit.md,
"Row images"):

- timestamps: RFC 3339 in UTC with microseconds and ``Z``
  (``2026-11-23T21:40:40.123456Z``);
- integers: JSON numbers when within +-(2**53 - 1), the largest every JSON reader holds
  exactly; larger ones as strings of their digits;
- other numbers (decimals): strings of their exact decimal text, without an exponent
  (``"125000.50"``); a number written with an exponent but no fraction is an integer;
- JSON text is read with decimals kept exact, never through binary floats; floats and
  bytes are refused, so nothing approximate or undefined can reach a hash;
- the bytes are RFC 8785 (JSON Canonicalization Scheme).

``entry_hash(previous, document) = SHA-256(0x00 || previous || JCS(document))``, the
first entry of a chain hashing onto 32 zero bytes (``GENESIS``).

``canonical_text_bytes`` is what sealing and verifying use, on the JSON text the
database writes for an entry. It tries three ways, fastest first, each taken only where
it provably gives the same bytes as the reference (``canonical_bytes``):

1. ``orjson`` (compiled) parses the text and writes it with sorted keys: RFC 8785 bytes
   for objects of strings, booleans, nulls and integers within +-(2**53 - 1), whose keys
   sort alike by code point and by UTF-16 code unit. It is not taken where the text holds
   a fraction, an exponent or a larger integer (the type rules make those strings), a
   character beyond the Basic Multilingual Plane (RFC 8785 sorts keys by UTF-16 code
   units), or a key named twice (``_fast_bytes`` says how each is seen);
2. the standard library's decoder, applying the type rules, and its C encoder;
3. the reference, for characters beyond the Basic Multilingual Plane.

Property tests hold each way to the ``rfc8785`` package's bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from decimal import Decimal

import orjson
import rfc8785

GENESIS = bytes(32)
LARGEST_EXACT_INTEGER = 2**53 - 1
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

# The columns of an entry, in the order the documents are built (the bytes sort them).
ENTRY_FIELDS = (
    "id",
    "tenant_id",
    "transaction_id",
    "recorded_at",
    "table_name",
    "row_key",
    "operation",
    "old_row",
    "new_row",
    "changed_columns",
    "event",
    "actor_id",
    "actor_kind",
    "actor_label",
    "actor_tenant_id",
    "request_id",
    "client_address",
    "reason",
)


class CanonicalError(ValueError):
    """A value has no canonical form (a float, bytes, a naive time, a foreign type)."""


def timestamp_text(moment: datetime) -> str:
    """Return ``moment`` as RFC 3339 UTC text with microseconds and ``Z``."""
    if moment.tzinfo is None:
        raise CanonicalError("a timestamp without a time zone has no canonical form")
    return moment.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def _integer(value: int) -> int | str:
    return value if -LARGEST_EXACT_INTEGER <= value <= LARGEST_EXACT_INTEGER else str(value)


def _decimal(value: Decimal) -> int | str:
    if not value.is_finite():
        raise CanonicalError(f"{value} has no canonical form")
    if value.is_zero():
        # PostgreSQL's numeric has no negative zero; neither do we.
        value = value.copy_abs()
    if value.as_tuple().exponent >= 0:
        return _integer(int(value))
    return format(value, "f")


def canonical_value(value):
    """Return ``value`` with the type rules applied, ready for RFC 8785."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return _integer(value)
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, dict):
        return {str(key): canonical_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [canonical_value(item) for item in value]
    if isinstance(value, datetime):
        return timestamp_text(value)
    raise CanonicalError(f"{type(value).__name__} values have no canonical form")


def canonical_bytes(document) -> bytes:
    """Return the RFC 8785 bytes of ``document`` under the type rules (the reference)."""
    return rfc8785.dumps(canonical_value(document))


def _refuse_constant(name: str):
    raise CanonicalError(f"{name} has no canonical form")


def _encoder_fallback(value):
    if isinstance(value, Decimal):
        return _decimal(value)
    raise CanonicalError(f"{type(value).__name__} values have no canonical form")


def _parse_integer(digits: str) -> int | str:
    # Integers beyond 2**53 become their digits as a string here, so the standard
    # encoder writes them as the type rules say.
    return _integer(int(digits))


def _unique_keys(pairs: list[tuple]) -> dict:
    # JSON text that names a key twice reads as its last value here but may read as the
    # first elsewhere (SQLite's json_extract): such a document has no one meaning.
    document = dict(pairs)
    if len(document) != len(pairs):
        raise CanonicalError("an object names the same key twice")
    return document


_decode = json.JSONDecoder(
    parse_float=Decimal,
    parse_int=_parse_integer,
    parse_constant=_refuse_constant,
    object_pairs_hook=_unique_keys,
).decode
_encode = json.JSONEncoder(
    sort_keys=True,
    separators=(",", ":"),
    ensure_ascii=False,
    allow_nan=False,
    default=_encoder_fallback,
).encode
# Where the standard encoder and RFC 8785 could differ: characters beyond the Basic
# Multilingual Plane, written or escaped, by which RFC 8785 sorts keys differently (UTF-16
# code units, not code points). Cheap tests first: this runs for every entry verified.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abAB]")


def _needs_reference(text: str) -> bool:
    if not text.isascii() and len(text.encode("utf-16-le", "surrogatepass")) != 2 * len(text):
        return True
    return "\\u" in text and _SURROGATE_ESCAPE.search(text) is not None


def parse(text: str):
    """Parse JSON text, keeping non-integer numbers as exact decimals."""
    return _decode(text)


# What ``bytes.translate`` deletes to leave only the lead bytes of 4-byte UTF-8 sequences,
# i.e. of characters beyond the Basic Multilingual Plane.
_BELOW_FOUR_BYTE_LEADS = bytes(range(0xF0))
_FAST_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER


def _holds_float(values) -> bool:
    # A walk over the values, not a pattern over the text: a float is a type here, while
    # in text it looks like the digits and points of a timestamp or an amount in a string.
    # The types of a level are gathered in C; only a level holding containers is looped.
    kinds = set(map(type, values))
    if float in kinds:
        return True
    if dict in kinds or list in kinds:
        for item in values:
            kind = type(item)
            if (kind is dict and _holds_float(item.values())) or (
                kind is list and _holds_float(item)
            ):
                return True
    return False


def _fast_bytes(text: str) -> bytes | None:
    """Return the canonical bytes of ``text`` as orjson writes them; None where it may err.

    None, so that a slower way is taken, for:

    - text orjson refuses, or that is not an object;
    - numbers with a fraction or an exponent (floats here), which the type rules make
      exact decimals, and integers beyond +-(2**53 - 1): ``OPT_STRICT_INTEGER`` refuses
      those, and orjson reads those beyond 64 bits as floats;
    - characters beyond the Basic Multilingual Plane, written or escaped: their 4-byte
      UTF-8 in the bytes written;
    - a key named twice, which orjson reads as its last value. Outside strings each
      member has one colon, and orjson writes a colon in a string as itself, so the bytes
      written hold fewer colons than the text exactly when a member was dropped - unless
      the text escaped a colon (``\\u003a``): text holding ``\\u003`` goes the slower way.
    """
    try:
        value = orjson.loads(text)
        if type(value) is not dict or _holds_float(value.values()):
            return None
        written = orjson.dumps(value, option=_FAST_OPTIONS)
    except (orjson.JSONDecodeError, orjson.JSONEncodeError, RecursionError):
        return None
    if not written.isascii() and written.translate(None, _BELOW_FOUR_BYTE_LEADS):
        return None
    if text.count(":") != written.count(b":") or "\\u003" in text:
        return None
    return written


def canonical_text_bytes(text: str) -> bytes:
    """Return the canonical bytes of the JSON document written in ``text``."""
    written = _fast_bytes(text)
    if written is not None:
        return written
    value = _decode(text)
    if _needs_reference(text):
        return canonical_bytes(value)
    return _encode(value).encode()


def entry_hash(previous_hash: bytes, document) -> bytes:
    """Return ``SHA-256(0x00 || previous_hash || JCS(document))``.

    ``document`` is a mapping (made canonical here) or its canonical bytes already.
    """
    if not isinstance(document, bytes):
        document = canonical_bytes(document)
    return hashlib.sha256(b"\x00" + previous_hash + document).digest()
