"""Measure ``audit.verify`` against hashing the same canonical bytes with hashlib alone.

The targets (issue 18): ``iisg audit verify`` in the database at >= 0.1 times the speed
of plain hashlib over the same canonical bytes, ``verify --offline`` over an export at
>= 0.5 times. The script builds a trail of synthetic but realistic entries
(updates of a need: old and new row images, changed columns, an actor) in a fresh
database made from ``audit.tables`` alone, seals it, and then times, on the same entries:

- ``hashlib``: the chain ``SHA-256(0x00 || previous || bytes)`` over the canonical bytes,
  computed beforehand and held in memory - the floor the requirement names;
- ``verify``: ``audit.verify.verify`` end to end: reading links and entries in batches,
  rebuilding each canonical document, hashing, comparing, checking checkpoints;
- for the breakdown, ``read``: the same batched reads with nothing done to the rows, and
  ``canonical``: turning the documents read into canonical bytes.

It prints the figures and the ratio hashlib time / verify time (1.0 = as fast as
hashlib). Each figure is the fastest of ``--repeat`` runs (3 by default), so that work
of others on a shared machine sways it less; ``--clock cpu`` times this process's CPU
time instead of the wall clock, which others' work sways less still but which leaves
out the database server's own work (fair for SQLite and the exports, not for
PostgreSQL). Run: ``python bench/audit_verify.py [--entries N] [--repeat R]
[--clock wall|cpu] [--database-url URL]``; the default is 200,000 entries in a
temporary SQLite file. A PostgreSQL URL must name an empty database the script may fill.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from sqlalchemy import create_engine, select, text  # noqa: E402

from audit import tables  # noqa: E402
from audit.canonical import GENESIS, TIMESTAMP_FORMAT, canonical_text_bytes  # noqa: E402
from audit.chain import chain_of, document_text, seal  # noqa: E402
from audit.checkpoints import checkpoint  # noqa: E402
from audit.export import export  # noqa: E402
from audit.offline import key_id, raw_public_key, verify_export  # noqa: E402
from audit.verify import verify  # noqa: E402

SIGNING_KEY = bytes(range(32))

# Speed / hashlib speed asked for, in the database and offline.
TARGETS = {"verify": 0.1, "verify --offline": 0.5}
TENANTS = 4


def need_image(number: int, revision: int) -> dict:
    return {
        "id": number,
        "tenant_id": number % TENANTS + 1,
        "cycle_id": 1,
        "pillar_id": number % 3 + 1,
        "category_id": 2,
        "perspective_id": 1,
        "title": f"Border surveillance equipment for crossing point {number}, revision {revision}",
        "description": "Thermal cameras and training for the border police units at the"
        " northern crossing points, with maintenance for three years.",
        "status": "submitted",
        "priority": "high",
        "estimated_cost": f"{125000 + number}.50",
        "version": revision,
        "created_at": "2026-11-01T09:00:00.000000Z",
        "updated_at": "2026-11-23T21:40:40.123456Z",
    }


def entry_rows(count: int, dialect: str, transactions: int) -> list[dict]:
    start = datetime(2026, 11, 23, tzinfo=UTC)
    rows = []
    for number in range(count):
        moment = start + timedelta(microseconds=number * 137)
        old, new = need_image(number, 1), need_image(number, 2)
        # The JSON column type writes the images as JSON text on SQLite, as the triggers do.
        images = {"old_row": old, "new_row": new, "changed_columns": ["title", "version"]}
        rows.append(
            {
                "tenant_id": number % TENANTS + 1,
                # Spread over 1..transactions, all below the sealing horizon.
                "transaction_id": 1 + number * transactions // count,
                "recorded_at": moment.strftime(TIMESTAMP_FORMAT) if dialect == "sqlite" else moment,
                "table_name": "needs",
                "row_key": str(number),
                "operation": "U",
                **images,
                "actor_id": 17,
                "actor_kind": "user",
                "actor_label": "ana.editor@ministry.example",
                "actor_tenant_id": number % TENANTS + 1,
                "request_id": f"{number:032x}",
                "client_address": "192.0.2.44",
            }
        )
    return rows


def build(engine, count: int) -> None:
    tables.metadata.create_all(engine)
    with engine.begin() as connection:
        # On PostgreSQL only entries of transactions older than the running ones are
        # sealed: number them below this transaction's id, so every entry is verified.
        dialect = engine.dialect.name
        transactions = max(1, count // 100)
        if dialect == "postgresql":
            transactions = connection.execute(text("SELECT txid_current()")).scalar_one() - 1
        rows = entry_rows(count, dialect, transactions)
        for start in range(0, count, 10_000):
            connection.execute(tables.entries.insert(), rows[start : start + 10_000])
    with engine.begin() as connection:
        seal(connection)
        checkpoint(connection, SIGNING_KEY)


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def timed(action, repeat: int = 1, clock=time.perf_counter):
    """Return the fastest of ``repeat`` runs of ``action`` and the last run's result."""
    fastest = float("inf")
    for _ in range(repeat):
        started = clock()
        result = action()
        fastest = min(fastest, clock() - started)
    return fastest, result


def read_documents(connection) -> list[str]:
    links = tables.chain_links
    documents = []
    for chain in range(1, TENANTS + 1):
        query = (
            select(links.c.position, links.c.hash, document_text(connection.dialect.name))
            .join(tables.entries, tables.entries.c.id == links.c.entry_id)
            .where(links.c.chain_id == chain)
            .order_by(links.c.position)
            .limit(5000)
        )
        after = 0
        while rows := connection.execute(query.where(links.c.position > after)).all():
            documents += [row[2] for row in rows]
            after = rows[-1][0]
    return documents


def export_chains(connection, folder: str) -> list[Path]:
    paths = []
    for chain in range(1, TENANTS + 1):
        paths.append(Path(folder) / f"chain-{chain}.jsonl")
        with paths[-1].open("w", encoding="utf-8") as out_file:
            export(connection, chain, out_file)
    return paths


def verify_exports(paths: list[Path]) -> list:
    public_key = Ed25519PrivateKey.from_private_bytes(SIGNING_KEY).public_key()
    keys = {key_id(raw_public_key(public_key)): public_key}
    return [verify_export(path, keys) for path in paths]


def hash_chain(documents: list[bytes]) -> bytes:
    sha256 = hashlib.sha256
    previous = GENESIS
    for document in documents:
        previous = sha256(b"\x00" + previous + document).digest()
    return previous


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure, the fastest kept")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall")
    parser.add_argument("--database-url", help="an empty database (default: temporary SQLite)")
    arguments = parser.parse_args(argv)
    repeat, clock = arguments.repeat, CLOCKS[arguments.clock]
    with tempfile.TemporaryDirectory() as folder:
        url = arguments.database_url or f"sqlite:///{folder}/bench.sqlite3"
        engine = create_engine(url)
        build_time, _ = timed(lambda: build(engine, arguments.entries))
        with engine.connect() as connection:
            read_time, documents = timed(lambda: read_documents(connection), repeat, clock)
            canonical_time, canonical = timed(
                lambda: [canonical_text_bytes(d) for d in documents], repeat
            )
            hashlib_time, _ = timed(lambda: hash_chain(canonical), repeat, clock)
            verify_time, report = timed(lambda: verify(connection), repeat, clock)
            chains = connection.execute(select(chain_of()).distinct()).all()
            paths = export_chains(connection, folder)
        engine.dispose()
        offline_time, offline_reports = timed(lambda: verify_exports(paths), repeat, clock)
    assert report.intact and len(chains) == TENANTS
    assert sum(chain.size for chain in report.chains) == arguments.entries == len(canonical)
    assert all(item.intact for item in offline_reports)
    assert sum(item.chains[0].size for item in offline_reports) == arguments.entries
    size = sum(len(item) for item in canonical) / len(canonical)
    print(
        f"backend: {engine.dialect.name}; entries: {arguments.entries:,}; clock: {arguments.clock},"
        f" fastest of {repeat}"
    )
    print(f"  canonical bytes per entry: {size:,.0f} (mean); build and seal: {build_time:.1f} s")
    for label, seconds in (
        ("hashlib alone", hashlib_time),
        ("verify", verify_time),
        ("  of which: read", read_time),
        ("  of which: canonical bytes", canonical_time),
        ("verify --offline (exports)", offline_time),
    ):
        rate = arguments.entries / seconds
        print(f"  {label:<30} {seconds:8.3f} s  {rate:12,.0f} entries/s")
    for label, seconds in (("verify", verify_time), ("verify --offline", offline_time)):
        ratio, target = hashlib_time / seconds, TARGETS[label]
        verdict = "meets" if ratio >= target else "does NOT meet"
        print(f"{label} speed / hashlib speed: {ratio:.2f} ({verdict} the target of {target:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
