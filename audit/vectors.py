"""Test vectors for verifiers written elsewhere: a three-entry chain and two checkpoints.

Everything follows from a fixed Ed25519 seed and fixed entries, and Ed25519 signatures
are deterministic, so the output changes only if the hashing or signing rules do.
``python -m audit.vectors`` rewrites ``docs/audit-test-vectors.json`` (every value, with
the bytes hashed and signed) and ``docs/audit-test-vectors.jsonl`` (the same chain as an
export); ``tests/audit/test_vectors.py`` checks that they, and the values quoted in
``docs/audit.md``, are what this code makes.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from audit.canonical import GENESIS, canonical_bytes
from audit.checkpoints import GENESIS_CHECKPOINT, Checkpoint, key_id, private_key, public_bytes
from audit.export import checkpoint_record, entry_line, header, key_record, record_line

SEED = bytes(range(32))
CHAIN = 7
EXPORTED_AT = "2026-03-02T12:00:00.000000Z"
# The chain's size when each checkpoint was signed, and when.
SIGNINGS = ((2, "2026-03-02T10:00:00.000000Z"), (3, "2026-03-02T11:00:00.000000Z"))

_ACTOR = {
    "actor_id": 31,
    "actor_kind": "user",
    "actor_label": "jonas.weber@example.org",
    "actor_tenant_id": CHAIN,
    "client_address": "192.0.2.10",
}
_RESPONSE = {
    "id": 12,
    "tenant_id": CHAIN,
    "cycle_id": 3,
    "title": "Training for border guards – Drin valley, Kosovo* section",
    "budget_amount": "125000.50",
    "status": "draft",
    "version": 1,
    "created_at": "2026-03-02T09:15:00.249871+00:00",
    "updated_at": "2026-03-02T09:15:00.249871+00:00",
}
# Entries as the database's canonical documents: every column, images as PostgreSQL
# writes them, numeric values already as their exact decimal text.
ENTRIES = (
    {
        "id": 41,
        "tenant_id": CHAIN,
        "transaction_id": 918273,
        "recorded_at": "2026-03-02T09:15:00.250112Z",
        "table_name": "responses",
        "row_key": "12",
        "operation": "I",
        "old_row": None,
        "new_row": _RESPONSE,
        "changed_columns": None,
        "event": None,
        **_ACTOR,
        "request_id": "5f0c1d2e3a4b5c6d",
        "reason": None,
    },
    {
        "id": 57,
        "tenant_id": CHAIN,
        "transaction_id": 918290,
        "recorded_at": "2026-03-02T09:40:12.000004Z",
        "table_name": "responses",
        "row_key": "12",
        "operation": "U",
        "old_row": _RESPONSE,
        "new_row": {
            **_RESPONSE,
            "budget_amount": "98000.00",
            "version": 2,
            "updated_at": "2026-03-02T09:40:11.998310+00:00",
        },
        "changed_columns": ["budget_amount", "updated_at", "version"],
        "event": None,
        **_ACTOR,
        "request_id": "8e1f2a3b4c5d6e7f",
        "reason": 'Budget cut after the "mid-term" review\nsee minutes §4',
    },
    {
        "id": 63,
        "tenant_id": CHAIN,
        "transaction_id": 918301,
        "recorded_at": "2026-03-02T09:52:30.500000Z",
        "table_name": None,
        "row_key": None,
        "operation": "E",
        "old_row": None,
        "new_row": {"email": "jonas.weber@example.org", "attempts": 3, "agent": "Firefox 🦊\t128"},
        "changed_columns": None,
        "event": "sign_in_failed",
        "actor_id": None,
        "actor_kind": "system",
        "actor_label": None,
        "actor_tenant_id": None,
        "request_id": "a0b1c2d3e4f50617",
        "client_address": "198.51.100.7",
        "reason": None,
    },
)


def _chain() -> list[dict]:
    entries = []
    previous = GENESIS
    for position, document in enumerate(ENTRIES, 1):
        canonical = canonical_bytes(document)
        hash_input = b"\x00" + previous + canonical
        digest = hashlib.sha256(hash_input).digest()
        entries.append(
            {
                "position": position,
                "previous_hash": previous.hex(),
                "document": document,
                "canonical": canonical.decode("utf-8"),
                "hash_input_hex": hash_input.hex(),
                "hash": digest.hex(),
            }
        )
        previous = digest
    return entries


def _checkpoints(entries: list[dict]) -> list[Checkpoint]:
    key = private_key(SEED)
    identifier = key_id(key.public_key())
    signed = []
    previous = GENESIS_CHECKPOINT
    for sequence, (size, signed_at) in enumerate(SIGNINGS, 1):
        statement = Checkpoint(
            chain=CHAIN,
            sequence=sequence,
            size=size,
            head_hash=entries[size - 1]["hash"],
            previous_hash=previous,
            signed_at=signed_at,
            key_id=identifier,
            signature="",
        )
        signature = key.sign(statement.statement_bytes()).hex()
        signed.append(Checkpoint(**{**statement.__dict__, "signature": signature}))
        previous = statement.digest()
    return signed


def build() -> dict:
    """Return every vector: the key, the entries with their hash inputs, the checkpoints."""
    public = private_key(SEED).public_key()
    entries = _chain()
    return {
        "about": (
            "IISG audit trail test vectors (docs/audit.md): chain 7 of three entries and"
            " two checkpoints, signed with the Ed25519 key whose 32-byte seed is given."
            " Text values are the UTF-8 bytes hashed or signed."
        ),
        "key": {
            "private_seed_hex": SEED.hex(),
            "public_key_hex": public_bytes(public).hex(),
            "public_key_pem": public.public_bytes(
                Encoding.PEM, PublicFormat.SubjectPublicKeyInfo
            ).decode(),
            "key_id": key_id(public),
        },
        "chain": CHAIN,
        "entries": entries,
        "checkpoints": [
            {
                "statement": item.statement(),
                "statement_bytes": item.statement_bytes().decode("utf-8"),
                "statement_sha256": item.digest(),
                "signature": item.signature,
            }
            for item in _checkpoints(entries)
        ],
    }


def export_text() -> str:
    """Return the vectors' chain as an export file."""
    entries = _chain()
    signed = _checkpoints(entries)
    public = private_key(SEED).public_key()
    lines = [record_line(header(CHAIN, EXPORTED_AT, len(entries), len(signed), 1))]
    lines += [entry_line(item["position"], item["hash"], item["canonical"]) for item in entries]
    lines += [record_line(checkpoint_record(item)) for item in signed]
    lines.append(
        record_line(key_record(key_id(public), public_bytes(public).hex(), SIGNINGS[0][1]))
    )
    return "".join(lines)


def quoted_values() -> dict[str, str]:
    """Return the values docs/audit.md quotes, by the name it gives them."""
    vectors = build()
    quoted = {
        "ed25519 seed": vectors["key"]["private_seed_hex"],
        "public key": vectors["key"]["public_key_hex"],
        "key id": vectors["key"]["key_id"],
    }
    for entry in vectors["entries"]:
        quoted[f"entry {entry['position']} canonical"] = entry["canonical"]
        quoted[f"entry {entry['position']} hash"] = entry["hash"]
    for number, item in enumerate(vectors["checkpoints"], 1):
        quoted[f"checkpoint {number} statement"] = item["statement_bytes"]
        quoted[f"checkpoint {number} statement sha256"] = item["statement_sha256"]
        quoted[f"checkpoint {number} signature"] = item["signature"]
    return quoted


def main(folder: str = "docs") -> None:
    """Write the vector files into ``folder``."""
    target = Path(folder)
    (target / "audit-test-vectors.json").write_text(
        json.dumps(build(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (target / "audit-test-vectors.jsonl").write_text(export_text(), encoding="utf-8")
    for name, value in quoted_values().items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main(*sys.argv[1:])
