"""Verify an exported audit chain away from the portal, with the signer's public key.

This module needs only the standard library, ``cryptography`` and ``rfc8785``: an
auditor can copy it next to an export and run::

    python offline.py EXPORT.jsonl --public-key iisg-audit-key.pem

It also holds the checks themselves (walking a chain, checking checkpoints), which
``audit.verify`` applies to the database, so both name breaks alike.

The export (``audit.export``) is JSON lines: a header, then every entry of the chain
(``{"type": "entry", "position": p, "hash": hex, "entry": {...}}``, the entry being
its canonical document), then the checkpoints, then the public keys the database
recorded. Only the public keys given by the auditor are trusted for signatures.

Breaks, each at the first position it affects:

- ``edited``: an entry no longer hashes to its seal;
- ``deleted``: a position is missing, or a link names an entry that is gone;
- ``inserted``: an entry that was never sealed sits among sealed ones;
- ``reordered``: the entry sealed at a position is found at another one;
- ``truncated``: the chain ends before the size a checkpoint signed;
- ``rewritten``: the chain is consistent in itself but its hash at a checkpoint's size is
  not the one signed (the chain was recomputed after a change);
- ``bad_signature``: a checkpoint's signature does not verify with a trusted key;
- ``replayed_checkpoint``: a validly signed checkpoint that does not follow the one
  before it (an earlier statement presented again, or one from another history);
- ``missing_checkpoint``: a checkpoint's sequence skips one (a checkpoint was removed).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from dataclasses import dataclass, field

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
)

FORMAT = "iisg-audit-chain"
VERSION = 1
GENESIS = bytes(32)
GENESIS_CHECKPOINT = "0" * 64
STATEMENT_FIELDS = ("chain", "sequence", "size", "head_hash", "previous_hash", "signed_at")
# How far ahead a mismatch looks for the entry that belongs at its position.
LOOKAHEAD = 1000

KINDS = (
    "edited",
    "deleted",
    "inserted",
    "reordered",
    "truncated",
    "rewritten",
    "bad_signature",
    "replayed_checkpoint",
    "missing_checkpoint",
)


@dataclass(frozen=True)
class Break:
    """The first place a chain stops being what was sealed and signed."""

    chain: int
    kind: str
    position: int
    detail: str = ""

    def describe(self) -> str:
        """Return one line naming the chain, the kind and the position."""
        text = f"chain {self.chain}: {self.kind} at position {self.position}"
        return f"{text} ({self.detail})" if self.detail else text


@dataclass
class ChainReport:
    """What verifying one chain found."""

    chain: int
    size: int = 0
    checkpoints: int = 0
    pending: int = 0
    first_break: Break | None = None

    @property
    def intact(self) -> bool:
        return self.first_break is None


@dataclass
class Report:
    """The result of verifying one or more chains."""

    chains: list[ChainReport] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        """Return whether no chain has a break."""
        return all(chain.intact for chain in self.chains)

    @property
    def breaks(self) -> list[Break]:
        """Return the first break of every broken chain."""
        return [chain.first_break for chain in self.chains if chain.first_break]


# --- Keys and checkpoints ------------------------------------------------------------


def key_id(raw_public_key: bytes) -> str:
    """Return a key's id: the first 16 hex digits of the SHA-256 of its raw bytes."""
    return hashlib.sha256(raw_public_key).hexdigest()[:16]


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    """Return the 32 raw bytes of a public key."""
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def load_public_keys(pem: bytes) -> dict[str, Ed25519PublicKey]:
    """Return the Ed25519 keys of a PEM file (one or more blocks), by key id."""
    keys = {}
    marker = b"-----END PUBLIC KEY-----"
    for block in pem.split(marker)[:-1]:
        key = load_pem_public_key(block.strip() + b"\n" + marker + b"\n")
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the public key file holds a key that is not Ed25519")
        keys[key_id(raw_public_key(key))] = key
    if not keys:
        raise ValueError("the public key file holds no PEM public key")
    return keys


def statement_bytes(checkpoint: dict) -> bytes:
    """Return the bytes a checkpoint's signature covers."""
    fields = {name: checkpoint[name] for name in STATEMENT_FIELDS}
    fields["key_id"] = checkpoint["key_id"]
    return rfc8785.dumps(fields)


def signature_verifies(checkpoint: dict, keys: dict) -> bool:
    """Return whether a checkpoint's signature verifies with the trusted key it names."""
    key = keys.get(checkpoint["key_id"])
    if key is None:
        return False
    try:
        key.verify(bytes.fromhex(checkpoint["signature"]), statement_bytes(checkpoint))
    except (InvalidSignature, ValueError):
        return False
    return True


def signed_heads(checkpoints: list[dict], keys: dict) -> dict[int, str]:
    """Return the head hash at each size vouched for by a checkpoint that verifies."""
    return {
        checkpoint["size"]: checkpoint["head_hash"]
        for checkpoint in checkpoints
        if signature_verifies(checkpoint, keys)
    }


def check_checkpoints(chain: int, checkpoints: list[dict], keys: dict) -> Break | None:
    """Return the first break among a chain's checkpoints, in the order they were made.

    ``keys`` maps key ids to trusted Ed25519 public keys.
    """
    previous = None
    for checkpoint in checkpoints:
        size = checkpoint["size"]
        key = keys.get(checkpoint["key_id"])
        if key is None:
            return Break(
                chain,
                "bad_signature",
                size,
                f"checkpoint {checkpoint['sequence']} is signed by key {checkpoint['key_id']},"
                " which is not a trusted key",
            )
        try:
            key.verify(bytes.fromhex(checkpoint["signature"]), statement_bytes(checkpoint))
        except (InvalidSignature, ValueError):
            return Break(
                chain,
                "bad_signature",
                size,
                f"checkpoint {checkpoint['sequence']}'s signature does not verify",
            )
        if previous is None:
            expected_sequence, expected_hash, smallest = 1, GENESIS_CHECKPOINT, 0
        else:
            expected_sequence = previous["sequence"] + 1
            expected_hash = hashlib.sha256(statement_bytes(previous)).hexdigest()
            smallest = previous["size"]
        if checkpoint["sequence"] > expected_sequence:
            return Break(
                chain,
                "missing_checkpoint",
                size,
                f"checkpoint {expected_sequence} is missing before {checkpoint['sequence']}",
            )
        if (
            checkpoint["sequence"] < expected_sequence
            or checkpoint["previous_hash"] != expected_hash
            or size < smallest
        ):
            return Break(
                chain,
                "replayed_checkpoint",
                size,
                f"checkpoint {checkpoint['sequence']} does not follow checkpoint"
                f" {expected_sequence - 1}",
            )
        previous = checkpoint
    return None


# --- Walking a chain ------------------------------------------------------------------


class ChainWalk:
    """Recompute a chain's hashes batch by batch, stopping at the first break.

    Each item fed is ``(position, stored hash as hex, canonical bytes or None)``; None
    means the link's entry is gone. ``heads`` maps checkpoint sizes to signed head hashes
    (of checkpoints whose signature verifies: see ``signed_heads``).
    """

    def __init__(self, chain: int, heads: dict[int, str] | None = None):
        self.chain = chain
        self.heads = heads or {}
        self.position = 0
        self.previous = GENESIS
        self.first_break: Break | None = None

    def feed(self, items: list[tuple]) -> bool:
        """Check the next items; return False once a break is found."""
        if self.first_break is not None:
            return False
        sha256 = hashlib.sha256
        previous = self.previous
        expected = self.position
        heads = self.heads
        for index, (position, stored, document) in enumerate(items):
            expected += 1
            if position != expected:
                kind = "deleted" if position > expected else "inserted"
                return self._stop(kind, expected, f"position {position} follows {expected - 1}")
            if document is None:
                return self._stop("deleted", position, "the sealed entry is gone")
            digest = sha256(b"\x00" + previous + document).digest()
            if digest.hex() != stored:
                kind, detail = self._mismatch(items, index, previous)
                return self._stop(kind, position, detail)
            if position in heads and heads[position] != stored:
                return self._stop(
                    "rewritten",
                    position,
                    "the chain agrees with itself but not with the checkpoint signed at"
                    f" size {position}: it was recomputed after a change at or before here",
                )
            previous = digest
        self.previous = previous
        self.position = expected
        return True

    def _mismatch(self, items, index, previous) -> tuple[str, str]:
        stored = items[index][1]
        sha256 = hashlib.sha256
        for later in items[index + 1 : index + 1 + LOOKAHEAD]:
            document = later[2]
            if document is None:
                continue
            digest = sha256(b"\x00" + previous + document).hexdigest()
            if digest == later[1]:
                return "inserted", "an entry that was never sealed precedes the sealed one"
            if digest == stored:
                return "reordered", f"the entry sealed here is found at position {later[0]}"
        return "edited", "the entry does not hash to its seal"

    def _stop(self, kind: str, position: int, detail: str) -> bool:
        self.first_break = Break(self.chain, kind, position, detail)
        return False

    def finish(self, checkpoints: list[dict], keys: dict) -> ChainReport:
        """Return the chain's report, once every item was fed."""
        breaks = []
        if self.first_break is not None:
            breaks.append(self.first_break)
        else:
            # Only a checkpoint that verifies can say how long the chain was.
            longest = max(self.heads, default=0)
            if longest > self.position:
                breaks.append(
                    Break(
                        self.chain,
                        "truncated",
                        self.position + 1,
                        f"a checkpoint signed {longest} entries, the chain has {self.position}",
                    )
                )
        checkpoint_break = check_checkpoints(self.chain, checkpoints, keys)
        if checkpoint_break is not None:
            breaks.append(checkpoint_break)
        first = min(breaks, key=lambda item: item.position, default=None)
        return ChainReport(
            chain=self.chain,
            size=self.position,
            checkpoints=len(checkpoints),
            first_break=first,
        )


# --- Export files ---------------------------------------------------------------------

ENTRY_PREFIX = '{"type":"entry"'
_ENTRY_LINE = re.compile(r'\{\s*"type"\s*:\s*"entry"')


_ENTRY_START = ENTRY_PREFIX.encode()


def _records(path):
    """Yield the header, then every record of an export but its entries."""
    with open(path, "rb") as lines:
        header = json.loads(next(lines, b"{}"))
        if header.get("format") != FORMAT or header.get("version") != VERSION:
            raise ValueError(f"not an audit chain export ({FORMAT}, version {VERSION})")
        yield header
        for line in lines:
            # Entries are read in the second pass; most lines are entries.
            if line.startswith(_ENTRY_START) or not line.strip():
                continue
            text = line.decode("utf-8")
            if _ENTRY_LINE.match(text):
                continue
            record = json.loads(text)
            if record.get("type") != "entry":
                yield record


# An entry line exactly as ``audit.export`` writes it: its entry is then the very bytes
# that were hashed, and is hashed as it stands, without parsing and writing it again.
# Any byte changed in such an entry changes its hash, so the line is reported edited.
_EXPORTED_ENTRY = re.compile(
    rb'\{"type":"entry","position":([0-9]+),"hash":"([0-9a-f]{64})","entry":(.*)\}\r?\n?\Z',
    re.DOTALL,
)


def _entry_batches(path, batch_size: int):
    """Yield the items of the entry lines of an export, in file order, in batches."""
    exported = _EXPORTED_ENTRY.match
    batch = []
    with open(path, "rb") as lines:
        next(lines, None)  # the header, checked by the first pass
        for line in lines:
            match = exported(line)
            if match is not None:
                position, stored, document = match.groups()
                item = (int(position), stored.decode(), None if document == b"null" else document)
            elif line.strip() and (record := json.loads(line)).get("type") == "entry":
                item = _entry_item(record)
            else:
                continue
            batch.append(item)
            if len(batch) >= batch_size:
                yield batch
                batch = []
    if batch:
        yield batch


def _entry_item(record: dict) -> tuple:
    if record["entry"] is None:
        return record["position"], record["hash"], None  # exported without its entry
    try:
        document = rfc8785.dumps(record["entry"])
    except (rfc8785.CanonicalizationError, TypeError, ValueError):
        document = b"\xff"  # no canonical form: it cannot hash to its seal
    return record["position"], record["hash"], document


def verify_export(path, keys: dict, progress=None, batch_size: int = 5000) -> Report:
    """Verify the export file at ``path`` against the trusted ``keys`` (by key id)."""
    records = _records(path)
    header = next(records)
    chain = header["chain"]
    checkpoints = [record for record in records if record.get("type") == "checkpoint"]
    walk = ChainWalk(chain, signed_heads(checkpoints, keys))
    for batch in _entry_batches(path, batch_size):
        walk.feed(batch)
        if progress is not None:
            progress(len(batch))
    return Report([walk.finish(checkpoints, keys)])


def main(argv=None) -> int:
    """Verify an export from the command line; exit 1 on a break, 2 on unusable input."""
    parser = argparse.ArgumentParser(description="Verify an exported IISG audit chain.")
    parser.add_argument("export", help="the export file (JSON lines)")
    parser.add_argument(
        "--public-key",
        action="append",
        required=True,
        help="PEM file of a trusted signing key (repeat for rotated keys)",
    )
    arguments = parser.parse_args(argv)
    keys = {}
    try:
        for path in arguments.public_key:
            with open(path, "rb") as handle:
                keys.update(load_public_keys(handle.read()))
        report = verify_export(arguments.export, keys)
    except (OSError, ValueError, KeyError) as error:
        print(f"cannot verify: {error}", file=sys.stderr)
        return 2
    for chain in report.chains:
        if chain.first_break:
            print(chain.first_break.describe())
        else:
            print(
                f"chain {chain.chain}: intact, {chain.size} entries, "
                f"{chain.checkpoints} checkpoints"
            )
    return 0 if report.intact else 1


if __name__ == "__main__":
    sys.exit(main())
