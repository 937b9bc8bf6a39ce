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

Two checks only the database allows, when their inputs are given:

- ``mac_keys`` (SQLite): every entry, sealed or not, after the point where MACs started
  (``audit.mac``) must carry a MAC that verifies with one of the keys; the first one that
  does not, in chain order, is ``unauthenticated_entry``.
- ``declaration``: the capture triggers, guards and functions installed must be what
  ``audit.triggers`` generates for it; each one that is not is ``capture_trigger_altered``
  (``Report.capture``).
"""

from __future__ import annotations

import json

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import String, func, inspect, null, select, tuple_, type_coerce

from audit import mac as audit_mac
from audit import tables, triggers
from audit.canonical import ENTRY_FIELDS, canonical_text_bytes
from audit.chain import READ_BATCH, chain_heads, chain_of, in_chain, linked_document_text
from audit.checkpoints import Checkpoint
from audit.offline import (
    KINDS,
    Break,
    CaptureBreak,
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

__all__ = [
    "KINDS",
    "Break",
    "CaptureBreak",
    "ChainReport",
    "Report",
    "chain_ids",
    "entry_fields_as_stored",
    "recorded_keys",
    "verify",
]


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


def _position_of_unsealed(connection, chain: int, transaction_id: int, entry_id: int) -> int:
    """Return the position an entry without a link would take among the sealed ones."""
    sealed = links.join(entries, entries.c.id == links.c.entry_id)
    before = connection.execute(
        select(func.count())
        .select_from(sealed)
        .where(
            links.c.chain_id == chain,
            tuple_(entries.c.transaction_id, entries.c.id) < tuple_(transaction_id, entry_id),
        )
    ).scalar_one()
    return before + 1


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
    return Break(
        chain,
        "inserted",
        _position_of_unsealed(connection, chain, forged.transaction_id, forged.id),
        f"entry {forged.id} was never sealed, though its transaction is below the horizon",
    )


# --- Entry MACs (SQLite) ---------------------------------------------------------------


def entry_fields_as_stored(connection):
    """Return a query of every entry's fields as stored (JSON as its text) and its MAC."""
    # JSON columns as the text the trigger wrote, not parsed and written again.
    fields = [type_coerce(entries.c[name], String).label(name) for name in ENTRY_FIELDS]
    # A database whose column was dropped holds no MAC at all.
    has_column = any(
        column["name"] == "mac" for column in inspect(connection).get_columns(entries.name)
    )
    stored = entries.c.mac if has_column else null()
    return select(*fields, stored.label("mac"))


def _values(row) -> tuple:
    return tuple(row[: len(ENTRY_FIELDS)])


def _chain_order(row) -> tuple:
    # A chain is sealed in (transaction, id) order; a transaction that is not a number
    # (SQLite stores what it is given) sorts first rather than failing the comparison.
    transaction = row.transaction_id
    return (transaction if isinstance(transaction, int) else -1, row.id)


def macs_start_after(connection, keys: dict, stored=None) -> int:
    """Return the id up to which entries may lack a MAC (0: none may).

    It is the highest one named by an authenticated ``audit_macs_started`` event of the
    platform chain: one whose MAC does not verify, or that is gone, spares nothing.
    """
    stored = entry_fields_as_stored(connection) if stored is None else stored
    # The migration wrote it to the platform chain, whose index spares reading them all.
    rows = connection.execute(
        stored.where(
            in_chain(tables.PLATFORM_CHAIN),
            entries.c.operation == "E",
            entries.c.event == audit_mac.STARTED_EVENT,
        ).order_by(entries.c.id)
    )
    through = 0
    for row in rows:
        if audit_mac.problem(keys, _values(row), row.mac) is not None:
            continue
        try:
            named = json.loads(row.new_row)[audit_mac.STARTED_THROUGH]
        except (TypeError, ValueError, KeyError):
            continue
        if isinstance(named, int) and named < row.id:
            through = max(through, named)
    return through


def _unauthenticated(connection, stored, chain: int, keys: dict, after: int, batch_size: int):
    """Return the first entry of the chain after ``after`` whose MAC does not verify.

    ``stored`` is ``entry_fields_as_stored``'s query.
    """
    query = stored.where(in_chain(chain)).order_by(entries.c.id).limit(batch_size)
    first = None
    found = 0
    while True:
        rows = connection.execute(query.where(entries.c.id > after)).all()
        if not rows:
            break
        for row in rows:
            problem = audit_mac.problem(keys, _values(row), row.mac)
            if problem is None:
                continue
            found += 1
            if first is None or _chain_order(row) < _chain_order(first[0]):
                first = (row, problem)
        after = rows[-1].id
    if first is None:
        return None
    row, problem = first
    position = connection.execute(
        select(links.c.position).where(links.c.chain_id == chain, links.c.entry_id == row.id)
    ).scalar()
    if position is None:
        position = _position_of_unsealed(connection, chain, row.transaction_id, row.id)
    more = f"; {found - 1} more in this chain" if found > 1 else ""
    return Break(
        chain,
        "unauthenticated_entry",
        position,
        f"entry {row.id} was not written by the portal: {problem}{more}",
    )


def capture_breaks(connection, declaration) -> list[CaptureBreak]:
    """Return a break for every capture trigger, guard or function not as generated."""
    return [
        CaptureBreak(problem.table, problem.trigger, problem.detail)
        for problem in triggers.installed_problems(connection, declaration)
    ]


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
    mac_keys: dict | None = None,
    declaration=None,
) -> Report:
    """Verify every chain (or the given ones); return a report naming each first break.

    ``mac_keys`` (``audit.mac.keys_from_secrets``) checks the entries' MACs on SQLite;
    ``declaration`` checks the installed capture against what it generates.
    """
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
    if declaration is not None:
        report.capture = capture_breaks(connection, declaration)
    check_macs = mac_keys is not None and connection.dialect.name == "sqlite"
    if check_macs:
        stored = entry_fields_as_stored(connection)
        macs_after = macs_start_after(connection, mac_keys, stored)
    for chain in chains:
        records = _checkpoint_records(connection, chain)
        checkpoint_break, signed = checkpoint_heads(chain, records, keys, kept.get(chain, ()))
        walk = ChainWalk(chain, signed)
        _walk(connection, chain, walk, progress, batch_size)
        chain_report = walk.finish(checkpoint_break, len(records))
        horizon = heads[chain].horizon if chain in heads else 0
        found = [_unsealed_below_horizon(connection, chain, horizon)]
        if check_macs:
            found.append(
                _unauthenticated(connection, stored, chain, mac_keys, macs_after, batch_size)
            )
        for other in found:
            if other is not None and (
                chain_report.first_break is None
                or other.position < chain_report.first_break.position
            ):
                chain_report.first_break = other
        chain_report.pending = _pending(connection, chain, horizon)
        report.chains.append(chain_report)
    return report
