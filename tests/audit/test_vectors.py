"""The test vectors of docs/audit.md: made by the code, and checkable from the docs alone."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from audit import vectors
from audit.canonical import canonical_bytes, entry_hash
from audit.offline import load_public_keys, verify_export

DOCS = Path(__file__).resolve().parents[2] / "docs"
VECTORS = DOCS / "audit-test-vectors.json"
VECTOR_EXPORT = DOCS / "audit-test-vectors.jsonl"


def documented() -> dict:
    return json.loads(VECTORS.read_text(encoding="utf-8"))


def test_the_vector_files_are_what_the_code_makes():
    assert documented() == vectors.build()
    assert VECTOR_EXPORT.read_text(encoding="utf-8") == vectors.export_text()


def test_the_entry_hashes_follow_from_the_documented_rule_alone():
    previous = bytes(32)
    for entry in documented()["entries"]:
        document = entry["canonical"].encode("utf-8")
        hash_input = b"\x00" + previous + document

        assert entry["previous_hash"] == previous.hex()
        assert rfc8785.dumps(json.loads(document)) == document
        assert hash_input.hex() == entry["hash_input_hex"]
        assert hashlib.sha256(hash_input).hexdigest() == entry["hash"]
        # The portal's own code agrees.
        assert canonical_bytes(entry["document"]) == document
        assert entry_hash(previous, entry["document"]).hex() == entry["hash"]
        previous = hashlib.sha256(hash_input).digest()


def test_the_checkpoints_follow_from_the_documented_rule_alone():
    vector = documented()
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(vector["key"]["private_seed_hex"]))
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    pem = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    hashes = {entry["position"]: entry["hash"] for entry in vector["entries"]}
    previous = "0" * 64

    assert vector["key"]["public_key_hex"] == public.hex()
    assert vector["key"]["public_key_pem"] == pem.decode()
    assert vector["key"]["key_id"] == hashlib.sha256(public).hexdigest()[:16]
    for checkpoint in vector["checkpoints"]:
        statement = checkpoint["statement"]
        statement_bytes = checkpoint["statement_bytes"].encode("utf-8")

        assert sorted(statement) == sorted(
            ["chain", "sequence", "size", "head_hash", "previous_hash", "signed_at", "key_id"]
        )
        assert statement_bytes == rfc8785.dumps(statement)
        assert statement["head_hash"] == hashes[statement["size"]]
        assert statement["previous_hash"] == previous
        assert checkpoint["statement_sha256"] == hashlib.sha256(statement_bytes).hexdigest()
        key.public_key().verify(bytes.fromhex(checkpoint["signature"]), statement_bytes)
        assert key.sign(statement_bytes).hex() == checkpoint["signature"]  # Ed25519 is exact
        previous = checkpoint["statement_sha256"]


def test_the_vector_export_verifies_offline():
    vector = documented()
    keys = load_public_keys(vector["key"]["public_key_pem"].encode())

    report = verify_export(VECTOR_EXPORT, keys)

    assert report.intact
    assert (report.chains[0].size, report.chains[0].checkpoints) == (3, 2)


# A line of the vectors block in docs/audit.md: "name: value".
DOCUMENTED_VALUE = re.compile(r"^([a-z0-9 _\[\]]+): (.+)$")


def test_docs_audit_md_quotes_the_vectors_as_they_are():
    text = (DOCS / "audit.md").read_text(encoding="utf-8")
    block = text.split("<!-- test vectors -->")[1].split("```")[1].split("\n", 1)[1]
    quoted = dict(
        DOCUMENTED_VALUE.match(line).groups() for line in block.splitlines() if line.strip()
    )

    assert quoted == vectors.quoted_values()
