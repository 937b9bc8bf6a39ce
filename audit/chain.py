"""Sealing audit entries into hash chains: one per tenant, and one for platform data.

Every entry joins the chain of the tenant whose data it records (``PLATFORM_CHAIN`` when
``tenant_id`` is NULL) and is sealed exactly once, at the next position, by a link
holding ``SHA-256(0x00 || previous hash || JCS(entry))`` (see ``audit.canonical``).

Which entries may be sealed: only those whose transaction can no longer be joined by
another. On PostgreSQL that is every entry written by a transaction older than the
oldest one still running (the *horizon*: ``pg_snapshot_xmin(pg_current_snapshot())``,
leaving out transactions of other databases on the same server), since a transaction
still open may yet commit entries that belong before later ones. On
SQLite one writer at a time commits, so the sealer takes the write lock and seals
everything below the highest transaction number plus one. Each link records the horizon
it was sealed under: every entry of its chain below it is sealed, which is what lets
``audit.verify`` call an unsealed entry below it ``inserted``.

Sealers are serialised per chain (PostgreSQL: a transaction-scoped advisory lock per
chain, taken in chain order; SQLite: its single write lock). A chain's entries are
sealed in the order (transaction_id, id); every seal covers the transactions from the
chain's last horizon up to the new one, so the order along a chain strictly increases.

``seal`` works inside the caller's transaction and leaves the commit to the caller.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Text, case, cast, func, literal, select, text
from sqlalchemy.sql import ColumnElement

from audit import tables
from audit.canonical import (
    ENTRY_FIELDS,
    GENESIS,
    LARGEST_EXACT_INTEGER,
    TIMESTAMP_FORMAT,
    canonical_text_bytes,
)

# The first key of pg_advisory_xact_lock(key, chain): "audit" in ASCII, so the sealer's
# locks cannot collide with anyone else's two-key locks by accident.
ADVISORY_LOCK_CLASS = 0x61756469
INSERT_BATCH = 1000
READ_BATCH = 5000

entries = tables.entries
links = tables.chain_links


@dataclass
class SealResult:
    """What one run of the sealer did: entries sealed per chain, under which horizon."""

    horizon: int | None = None
    sealed: dict[int, int] = field(default_factory=dict)
    # The new heads of the chains sealed, held under the sealer's locks until the commit.
    heads: dict[int, ChainHead] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Return how many entries were sealed in all chains."""
        return sum(self.sealed.values())


def chain_of(entry_table=entries) -> ColumnElement:
    """Return the SQL expression naming the chain an entry belongs to."""
    return func.coalesce(entry_table.c.tenant_id, literal(tables.PLATFORM_CHAIN))


def in_chain(chain_id: int, entry_table=entries) -> ColumnElement:
    """Return the SQL condition selecting one chain's entries (index-friendly)."""
    if chain_id == tables.PLATFORM_CHAIN:
        return entry_table.c.tenant_id.is_(None)
    return entry_table.c.tenant_id == chain_id


def document_text(dialect_name: str, entry_table=entries) -> ColumnElement:
    """Return an SQL expression giving each entry's document as JSON text.

    The database does the per-column work in one expression (timestamps written in the
    canonical form, the SQLite transaction numbers beyond 2**53 as text), so each entry
    reaches Python as one string that ``audit.canonical.canonical_text_bytes`` turns into
    its canonical bytes.
    """
    column = entry_table.c
    exact = func.abs(column.transaction_id) <= LARGEST_EXACT_INTEGER
    as_text = cast(column.transaction_id, Text)
    if dialect_name == "postgresql":
        # Both branches of a CASE need one type: JSON values.
        transaction = case(
            (exact, func.to_jsonb(column.transaction_id)), else_=func.to_jsonb(as_text)
        )
    else:
        transaction = case((exact, column.transaction_id), else_=as_text)
    pairs = []
    for name in ENTRY_FIELDS:
        value = column[name]
        if name == "transaction_id":
            value = transaction
        elif name == "recorded_at" and dialect_name == "postgresql":
            value = func.to_char(
                func.timezone("UTC", column.recorded_at), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'
            )
        elif name in ("old_row", "new_row", "changed_columns") and dialect_name == "sqlite":
            # Stored as JSON text: embed it as JSON, not as a string holding JSON.
            value = func.json(value)
        pairs += [literal(name), value]
    if dialect_name == "postgresql":
        return cast(func.json_build_object(*pairs), Text)
    return func.json_object(*pairs)


def linked_document_text(dialect_name: str) -> ColumnElement:
    """Return the document of a link's entry, NULL when the entry is gone (outer joins)."""
    return case((entries.c.id.is_(None), None), else_=document_text(dialect_name))


def now_value(dialect_name: str):
    """Return the current time as the timestamp columns of the trail store it."""
    moment = datetime.now(UTC)
    return moment if dialect_name == "postgresql" else moment.strftime(TIMESTAMP_FORMAT)


def hash_documents(previous: bytes, documents) -> list[bytes]:
    """Return the chained hashes of ``documents`` (JSON texts) following ``previous``."""
    hashes = []
    sha256 = hashlib.sha256
    for document in documents:
        previous = sha256(b"\x00" + previous + canonical_text_bytes(document)).digest()
        hashes.append(previous)
    return hashes


@dataclass
class ChainHead:
    """Where a chain ends: its last position, hash and horizon."""

    chain_id: int
    position: int = 0
    hash: bytes = GENESIS
    horizon: int = 0


def chain_heads(connection, chain_ids=None) -> dict[int, ChainHead]:
    """Return the head of every chain that has links (or of ``chain_ids`` only)."""
    last = select(links.c.chain_id, func.max(links.c.position).label("position"))
    if chain_ids is not None:
        # Inside the grouping, so only these chains' links are read.
        last = last.where(links.c.chain_id.in_(list(chain_ids)))
    last = last.group_by(links.c.chain_id).subquery()
    query = select(links.c.chain_id, links.c.position, links.c.hash, links.c.horizon).join(
        last, (links.c.chain_id == last.c.chain_id) & (links.c.position == last.c.position)
    )
    return {
        row.chain_id: ChainHead(row.chain_id, row.position, bytes.fromhex(row.hash), row.horizon)
        for row in connection.execute(query)
    }


def _take_write_lock(connection) -> None:
    # SQLite starts a write transaction lazily; a write that changes nothing takes the
    # lock now, before the horizon is read, so no writer can commit in between.
    connection.execute(
        links.insert().from_select(list(links.c.keys()), select(links).where(text("0")))
    )


# The oldest running transaction that could still add entries here: the snapshot's xmin,
# leaving out transactions provably working in another database of the same server
# (their transaction-id lock is held by a backend connected elsewhere), so a long
# transaction there cannot hold sealing back. A transaction not yet visible in pg_locks
# is kept, so the horizon errs on the early side, never the late one.
_POSTGRES_HORIZON = text(
    """
    SELECT least(
        pg_snapshot_xmax(snapshot)::text::bigint,
        (SELECT min(running::text::bigint)
           FROM pg_snapshot_xip(snapshot) AS running
          WHERE running::text::bigint % 4294967296 NOT IN (
                SELECT lock.transactionid::text::bigint
                  FROM pg_locks AS lock
                  JOIN pg_stat_activity AS backend ON backend.pid = lock.pid
                 WHERE lock.locktype = 'transactionid' AND lock.granted
                   AND backend.datid IS NOT NULL
                   AND backend.datid <> (SELECT oid FROM pg_database
                                          WHERE datname = current_database()))))
      FROM (SELECT pg_current_snapshot() AS snapshot) AS current
    """
)


def _horizon(connection) -> int:
    if connection.dialect.name == "postgresql":
        return connection.execute(_POSTGRES_HORIZON).scalar_one()
    highest = connection.execute(select(func.max(entries.c.transaction_id))).scalar()
    return 0 if highest is None else highest + 1


def _pending_chains(connection, heads: dict[int, ChainHead], chain_ids) -> list[int]:
    # Entries below a chain's horizon are sealed already, so the search starts at the
    # lowest horizon among the chains concerned (0 for a chain with no link yet) and the
    # transaction index keeps it a short range scan of recent entries. A seal limited to
    # some chains moves only their horizons; a seal of all chains looks from the lowest.
    if chain_ids is None:
        lowest = min((head.horizon for head in heads.values()), default=0)
    else:
        chain_ids = list(chain_ids)
        lowest = min((heads[c].horizon if c in heads else 0 for c in chain_ids), default=0)
    query = select(chain_of()).distinct().where(entries.c.transaction_id >= lowest)
    if chain_ids is not None:
        query = query.where(chain_of().in_(chain_ids))
    return sorted(connection.execute(query).scalars())


def seal(connection, *, chain_ids=None) -> SealResult:
    """Seal every sealable entry of every chain (or of ``chain_ids``), in order.

    Runs in the caller's transaction; the caller commits. Safe to run concurrently
    from several processes: sealers of one chain wait for each other.
    """
    dialect = connection.dialect.name
    if dialect == "sqlite":
        _take_write_lock(connection)
    chains = _pending_chains(connection, chain_heads(connection, chain_ids), chain_ids)
    result = SealResult()
    if not chains:
        return result
    if dialect == "postgresql":
        # In chain order, so two sealers never wait for each other in a circle.
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:lock_class, chain) FROM unnest(:chains) AS chain"),
            {"lock_class": ADVISORY_LOCK_CLASS, "chains": chains},
        )
    # Read after the locks: another sealer may have moved the heads meanwhile.
    horizon = _horizon(connection)
    heads = chain_heads(connection, chains)
    result.horizon = horizon
    sealed_at = now_value(dialect)
    lowest = min(heads.get(chain, ChainHead(chain)).horizon for chain in chains)
    chain = chain_of().label("chain")
    query = (
        select(chain, entries.c.id, entries.c.transaction_id, document_text(dialect))
        .where(
            entries.c.transaction_id >= lowest,
            entries.c.transaction_id < horizon,
            chain_of().in_(chains),
        )
        .order_by(chain_of(), entries.c.transaction_id, entries.c.id)
    )
    pending_links = []
    rows = connection.execute(query.execution_options(stream_results=True, yield_per=READ_BATCH))
    for batch in rows.partitions(READ_BATCH):
        for chain_id, entry_id, transaction_id, document in batch:
            head = heads.get(chain_id)
            if head is None:
                head = heads[chain_id] = ChainHead(chain_id)
            if transaction_id < head.horizon:
                continue  # sealed by an earlier run, under a higher horizon
            head.position += 1
            head.hash = hashlib.sha256(
                b"\x00" + head.hash + canonical_text_bytes(document)
            ).digest()
            pending_links.append(
                {
                    "chain_id": chain_id,
                    "position": head.position,
                    "entry_id": entry_id,
                    "hash": head.hash.hex(),
                    "sealed_at": sealed_at,
                    "horizon": horizon,
                }
            )
            result.sealed[chain_id] = result.sealed.get(chain_id, 0) + 1
        if len(pending_links) >= INSERT_BATCH:
            connection.execute(links.insert(), pending_links)
            pending_links = []
    if pending_links:
        connection.execute(links.insert(), pending_links)
    result.heads = {chain_id: heads[chain_id] for chain_id in result.sealed}
    return result
