"""Export one chain for auditors: JSON lines an offline verifier can check.

The file holds, one JSON object per line:

1. a header: ``{"format": "iisg-audit-chain", "version": 1, "chain": ..., ...}`` naming
   the hash rule, when it was exported and how many entries, checkpoints and keys follow;
2. every sealed entry in position order:
   ``{"type": "entry", "position": p, "hash": hex, "entry": {...}}``, the entry being its
   canonical document (RFC 8785, the exact bytes that were hashed);
3. the chain's checkpoints, in the order they were made:
   ``{"type": "checkpoint", "chain": ..., "sequence": ..., "size": ..., "head_hash": ...,
   "previous_hash": ..., "signed_at": ..., "key_id": ..., "signature": hex}``;
4. every recorded public key: ``{"type": "key", "key_id": ..., "public_key": hex,
   "first_used_at": ...}`` (for reference: the verifier trusts only the keys the auditor
   brings).

``audit.offline`` verifies it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import func, select

from audit import tables
from audit.canonical import TIMESTAMP_FORMAT, CanonicalError, canonical_text_bytes
from audit.chain import READ_BATCH, linked_document_text
from audit.checkpoints import Checkpoint, timestamp_text
from audit.offline import FORMAT, VERSION

entries = tables.entries
links = tables.chain_links
checkpoints = tables.checkpoints
signing_keys = tables.signing_keys

HASH_RULE = "SHA-256(0x00 || previous hash || RFC 8785 bytes of the entry); genesis: 32 zero bytes"


def record_line(record: dict) -> str:
    """Return a header, checkpoint or key record as an export line."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def entry_line(position: int, stored_hash: str, document: str) -> str:
    """Return an entry's export line, ``document`` (its canonical text) written as it is."""
    return (
        f'{{"type":"entry","position":{position},"hash":{json.dumps(stored_hash)},'
        f'"entry":{document}}}\n'
    )


def _entry_text(document: str) -> str:
    """Return the canonical text of a stored entry; as stored when it has none.

    An entry changed into something without a canonical form (a key named twice) is
    exported as it stands, so the offline check reports it edited, as the database's does.
    """
    try:
        return canonical_text_bytes(document).decode()
    except CanonicalError:
        return document


def header(chain_id: int, exported_at: str, size: int, checkpoint_count: int, key_count: int):
    """Return an export's first record: the format, the hash rule and what follows."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "chain": chain_id,
        "hash": HASH_RULE,
        "exported_at": exported_at,
        "entries": size,
        "checkpoints": checkpoint_count,
        "keys": key_count,
    }


def checkpoint_record(item: Checkpoint) -> dict:
    """Return a checkpoint as an export (and a file of kept checkpoints) holds it."""
    return {"type": "checkpoint", **item.statement(), "signature": item.signature}


def key_record(key_id: str, public_key_hex: str, first_used_at: str) -> dict:
    """Return the record of a public key the database recorded (for reference only)."""
    return {
        "type": "key",
        "key_id": key_id,
        "public_key": public_key_hex,
        "first_used_at": first_used_at,
    }


def export(connection, chain_id: int, out_file, progress=None, through: int | None = None) -> int:
    """Write chain ``chain_id`` to ``out_file``, up to position ``through``; return the count."""
    # The caller passes the size of the checkpoint it just signed, so that a checkpoint
    # covers the export's last entry.
    size = connection.execute(
        select(func.coalesce(func.max(links.c.position), 0)).where(links.c.chain_id == chain_id)
    ).scalar_one()
    if through is not None:
        size = min(size, through)
    signed = [
        Checkpoint.from_row(row)
        for row in connection.execute(
            select(checkpoints).where(checkpoints.c.chain_id == chain_id).order_by(checkpoints.c.id)
        )
    ]
    keys = connection.execute(select(signing_keys).order_by(signing_keys.c.key_id)).all()
    exported_at = datetime.now(UTC).strftime(TIMESTAMP_FORMAT)
    out_file.write(record_line(header(chain_id, exported_at, size, len(signed), len(keys))))
    query = (
        select(links.c.position, links.c.hash, linked_document_text(connection.dialect.name))
        .select_from(links.outerjoin(entries, entries.c.id == links.c.entry_id))
        .where(links.c.chain_id == chain_id, links.c.position <= size)
        .order_by(links.c.position)
        .limit(READ_BATCH)
    )
    after = 0
    written = 0
    while True:
        rows = connection.execute(query.where(links.c.position > after)).all()
        if not rows:
            break
        for position, stored, document in rows:
            # The canonical bytes themselves, so the line holds exactly what was hashed;
            # a link whose entry is gone is exported without one.
            entry = "null" if document is None else _entry_text(document)
            out_file.write(entry_line(position, stored, entry))
        written += len(rows)
        if progress is not None:
            progress(len(rows))
        after = rows[-1][0]
    for item in signed:
        out_file.write(record_line(checkpoint_record(item)))
    for key in keys:
        first_used_at = timestamp_text(key.first_used_at)
        out_file.write(record_line(key_record(key.key_id, key.public_key, first_used_at)))
    return written
