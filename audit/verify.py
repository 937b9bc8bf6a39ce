"""Verify the chains in the database: every link's hash and every checkpoint's signature.

Each chain is read in batches of links joined to their entries, in position order, and
walked by ``audit.offline.ChainWalk`` (so the database and an export name breaks
alike; the kinds are listed there). Besides the walk, the database can show one more
thing an export cannot: an entry of the chain that has no link although its transaction
lies below the chain's horizon, i.e. it was added after its time was sealed
(``inserted``, at the position it would sit at). Entries above the horizon are simply
not sealed yet (``pending``).

Signatures are checked with the public keys recorded in ``audit_signing_keys``, or only
with the keys given (``trusted_keys``), which is what an auditor holding the key outside
the database does. Checkpoints the auditor kept (``trusted_checkpoints``) must be
extended by their chains, which catches a chain recomputed or rolled back together with
its checkpoints in the database.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select, tuple_

from audit import tables
from audit.canonical import canonical_text_bytes
from audit.chain import READ_BATCH, chain_heads, chain_of, in_chain, linked_document_text
from audit.checkpoints import Checkpoint
from audit.offline import (
    KINDS,
    Break,
    ChainReport,
    ChainWalk,
    Report,
    checkpoint_heads,
    kept_by_chain,
)

entries = tables.entries
links = tables.chain_links
checkpoints = tables.checkpoints
signing_keys = tables.signing_keys

__all__ = ["KINDS", "Break", "ChainReport", "Report", "chain_ids", "recorded_keys", "verify"]


def recorded_keys(connection) -> dict:
    """Return the public keys recorded in the database, by key id."""
    return {
        row.key_id: Ed25519PublicKey.from_public_bytes(bytes.fromhex(row.public_key))
        for row in connection.execute(select(signing_keys))
    }


def chain_ids(connection) -> list[int]:
    """Return every chain that has links, checkpoints or entries."""
    found = set(chain_heads(connection))
    found.update(connection.execute(select(checkpoints.c.chain_id).distinct()).scalars())
    found.update(connection.execute(select(chain_of()).distinct()).scalars())
    return sorted(found)


def _checkpoint_records(connection, chain: int) -> list[dict]:
    rows = connection.execute(
        select(checkpoints).where(checkpoints.c.chain_id == chain).order_by(checkpoints.c.id)
    )
    records = []
    for row in rows:
        item = Checkpoint.from_row(row)
        records.append({**item.statement(), "signature": item.signature})
    return records


def _canonical_or_not(document: str) -> bytes:
    """Return the canonical bytes of a stored entry, or bytes no seal can match.

    An entry changed into something without a canonical form (a key named twice, text
    that is not JSON) is thereby reported edited, like any other change.
    """
    try:
        return canonical_text_bytes(document)
    except ValueError:  # CanonicalError and JSONDecodeError are both ValueErrors
        return b"\xff"


def _walk(connection, chain: int, walk: ChainWalk, progress, batch_size: int) -> None:
    dialect = connection.dialect.name
    query = (
        select(links.c.position, links.c.hash, linked_document_text(dialect))
        .select_from(links.outerjoin(entries, entries.c.id == links.c.entry_id))
        .where(links.c.chain_id == chain)
        .order_by(links.c.position)
        .limit(batch_size)
    )
    after = 0
    while True:
        rows = connection.execute(query.where(links.c.position > after)).all()
        if not rows:
            return
        items = [
            (position, stored, None if document is None else _canonical_or_not(document))
            for position, stored, document in rows
        ]
        going = walk.feed(items)
        if progress is not None:
            progress(len(items))
        if not going:
            return
        after = rows[-1][0]


def _unsealed_below_horizon(connection, chain: int, horizon: int) -> Break | None:
    linked = select(links.c.entry_id).where(links.c.entry_id == entries.c.id).exists()
    forged = connection.execute(
        select(entries.c.id, entries.c.transaction_id)
        .where(in_chain(chain), entries.c.transaction_id < horizon, ~linked)
        .order_by(entries.c.transaction_id, entries.c.id)
        .limit(1)
    ).first()
    if forged is None:
        return None
    sealed = links.join(entries, entries.c.id == links.c.entry_id)
    before = connection.execute(
        select(func.count())
        .select_from(sealed)
        .where(
            links.c.chain_id == chain,
            tuple_(entries.c.transaction_id, entries.c.id)
            < tuple_(forged.transaction_id, forged.id),
        )
    ).scalar_one()
    return Break(
        chain,
        "inserted",
        before + 1,
        f"entry {forged.id} was never sealed, though its transaction is below the horizon",
    )


def _pending(connection, chain: int, horizon: int) -> int:
    return connection.execute(
        select(func.count()).where(in_chain(chain), entries.c.transaction_id >= horizon)
    ).scalar_one()


def total_positions(connection, chains=None) -> int:
    """Return how many links the chains hold (for a progress bar)."""
    return sum(head.position for head in chain_heads(connection, chains).values())


def verify(
    connection,
    *,
    chain_ids_to_check=None,
    trusted_keys: dict | None = None,
    trusted_checkpoints=None,
    progress=None,
    batch_size: int = READ_BATCH,
) -> Report:
    """Verify every chain (or the given ones); return a report naming each first break."""
    # Kept checkpoints name chains that must exist: verifying every chain includes them,
    # so a chain removed whole is reported truncated rather than passed by.
    keys = recorded_keys(connection) if trusted_keys is None else trusted_keys
    trusted = list(trusted_checkpoints or ())
    if chain_ids_to_check is None:
        chains = sorted(set(chain_ids(connection)) | {item["chain"] for item in trusted})
    else:
        chains = list(chain_ids_to_check)
    if trusted and not any(item["chain"] in chains for item in trusted):
        raise ValueError("none of the kept checkpoints is of a chain verified here")
    heads = chain_heads(connection, chains)
    # Grouped once: a witness file holds thousands of lines of many chains.
    kept = kept_by_chain(trusted)
    report = Report()
    for chain in chains:
        records = _checkpoint_records(connection, chain)
        checkpoint_break, signed = checkpoint_heads(chain, records, keys, kept.get(chain, ()))
        walk = ChainWalk(chain, signed)
        _walk(connection, chain, walk, progress, batch_size)
        chain_report = walk.finish(checkpoint_break, len(records))
        horizon = heads[chain].horizon if chain in heads else 0
        inserted = _unsealed_below_horizon(connection, chain, horizon)
        if inserted is not None and (
            chain_report.first_break is None
            or inserted.position < chain_report.first_break.position
        ):
            chain_report.first_break = inserted
        chain_report.pending = _pending(connection, chain, horizon)
        report.chains.append(chain_report)
    return report
