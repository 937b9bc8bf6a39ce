"""Verify an exported audit chain away from the portal, with the signer's public key.

This module needs only the standard library, ``cryptography`` and ``rfc8785``: an
auditor can copy it next to an export and run::

    python offline.py EXPORT.jsonl --public-key iisg-audit-key.pem

It also holds the checks themselves (walking a chain, checking checkpoints), which
``audit.verify`` applies to the database, so both name breaks alike. docs/audit.md
gives the exact bytes hashed and signed.

The export (``audit.export``) is JSON lines: a header, then every entry of the chain
(``{"type": "entry", "position": p, "hash": hex, "entry": {...}}``, the entry being
its canonical document), then the checkpoints, then the public keys the database
recorded. Only the public keys given by the auditor are trusted for signatures. An
entry is judged by its content: its RFC 8785 bytes are what was hashed, however the line
is spaced or ordered. Text whose meaning depends on the reader (a key named twice, a
number that is not an exact integer) has no canonical form, so such an entry is edited.

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
  before it (an earlier statement presented again, one from another history, or
  another chain's);
- ``missing_checkpoint``: a checkpoint's sequence skips one (a checkpoint was removed);
- ``unrecorded_change``: found only in the database, by reconciling its tables with the
  trail (``audit.reconcile``): a row changed, added or removed without an entry. It
  names a table and a row's key, not a chain's position.

Two more are found only in the database (``audit.verify``), never in an export:

- ``unauthenticated_entry``: on SQLite, an entry without a valid MAC (``audit.mac``): it
  was written by something that does not hold the application's secret key;
- ``capture_trigger_altered``: a capture trigger, a guard of the trail or a function they
  run is missing or not what the generator makes of the declaration (``audit.triggers``).

A chain without a break is ``intact`` when a checkpoint signed with a trusted key covers
its last entry, and ``unsigned`` otherwise: its newest entries are vouched for by
nothing but hashes that anyone holding the data can recompute.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from decimal import Decimal

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
STATEMENT_FIELDS = (
    "chain",
    "sequence",
    "size",
    "head_hash",
    "previous_hash",
    "signed_at",
    "key_id",
)
# How far ahead a mismatch looks for the entry that belongs at its position.
LOOKAHEAD = 1000
# Not UTF-8, so never canonical JSON: stands for an entry that has no canonical form.
NO_CANONICAL_FORM = b"\xff"

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
    "unrecorded_change",
    "unauthenticated_entry",
    "capture_trigger_altered",
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


def _entries(count: int) -> str:
    return f"{count} entry" if count == 1 else f"{count} entries"


@dataclass
class ChainReport:
    """What verifying one chain found."""

    chain: int
    size: int = 0
    checkpoints: int = 0
    pending: int = 0
    # Sealed entries after the last position a checkpoint signed with a trusted key covers.
    unsigned: int = 0
    first_break: Break | None = None

    @property
    def status(self) -> str:
        """Return ``broken``, ``unsigned`` or ``intact``."""
        if self.first_break is not None:
            return "broken"
        return "unsigned" if self.unsigned else "intact"

    @property
    def intact(self) -> bool:
        """Return whether nothing is broken and a trusted checkpoint covers the head."""
        return self.status == "intact"

    def describe(self) -> str:
        """Return one line for the chain: its first break, or its size and coverage."""
        if self.first_break is not None:
            return f"BROKEN {self.first_break.describe()}"
        pending = f", {self.pending} pending" if self.pending else ""
        text = (
            f"chain {self.chain}: {self.status}, {_entries(self.size)},"
            f" {self.checkpoints} checkpoint(s){pending}"
        )
        if not self.unsigned:
            return text
        first = self.size - self.unsigned + 1
        return (
            f"{text}; the last {_entries(self.unsigned)} (positions {first}-{self.size})"
            " covered by no checkpoint signed with a trusted key"
        )


@dataclass(frozen=True)
class CaptureBreak:
    """A capture trigger, guard or function of the database not as generated."""

    table: str
    trigger: str
    detail: str
    kind: str = "capture_trigger_altered"

    def describe(self) -> str:
        """Return one line naming the kind, the trigger (or function) and its table."""
        where = f"{self.trigger} on {self.table}" if self.table else self.trigger
        return f"BROKEN capture: {self.kind}: {where} ({self.detail})"


@dataclass
class Report:
    """The result of verifying one or more chains (and, in the database, the capture and
    the tables)."""

    chains: list[ChainReport] = field(default_factory=list)
    capture: list[CaptureBreak] = field(default_factory=list)
    # Reconciling the tables with the trail (``audit.reconcile.Reconciliation``): None
    # when it was not asked for, as with an export, which holds no tables.
    reconciliation: object | None = None

    @property
    def reconciled(self) -> bool:
        """Return whether no row changed without an entry (True when not reconciled)."""
        return self.reconciliation is None or self.reconciliation.clean

    @property
    def intact(self) -> bool:
        """Return whether every chain is intact (nothing broken, every head signed), the
        capture is as installed and no row changed without an entry."""
        return not self.capture and all(chain.intact for chain in self.chains) and self.reconciled

    @property
    def breaks(self) -> list[Break]:
        """Return the first break of every broken chain."""
        return [chain.first_break for chain in self.chains if chain.first_break]

    def passes(self, allow_unsigned: bool = False) -> bool:
        """Return whether verification succeeds; unsigned chains only when allowed."""
        accepted = {"intact", "unsigned"} if allow_unsigned else {"intact"}
        return (
            not self.capture
            and all(chain.status in accepted for chain in self.chains)
            and self.reconciled
        )


# --- JSON with one meaning ------------------------------------------------------------


class DuplicateKeyError(ValueError):
    """An object names a key twice: one reader sees the first value, another the last."""


def _one_value_per_key(pairs: list[tuple]) -> dict:
    document = dict(pairs)
    if len(document) != len(pairs):
        seen = set()
        name = next(key for key, _value in pairs if key in seen or seen.add(key))
        raise DuplicateKeyError(f"an object names the key {name!r} twice")
    return document


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


# Fractions are read as decimals, which RFC 8785 refuses: a canonical entry holds only
# integers, so a number written otherwise cannot pass for one by rounding.
_decode = json.JSONDecoder(
    object_pairs_hook=_one_value_per_key,
    parse_constant=_refuse_constant,
    parse_float=Decimal,
).decode


def read_json(text: str | bytes):
    """Parse JSON text (I-JSON): refuse a key named twice anywhere, keep fractions exact."""
    return _decode(text.decode("utf-8") if isinstance(text, bytes) else text)


def _last_values(text: str | bytes) -> tuple[object, set[str]]:
    """Read JSON that names keys twice: the last values, and the outer object's repeats."""
    objects = []

    def keep(pairs):
        objects.append(pairs)
        return dict(pairs)

    value = json.loads(text, object_pairs_hook=keep, parse_float=Decimal)
    if not isinstance(value, dict):
        return value, set()
    # The outermost object is completed, and so handed to the hook, last.
    names = [name for name, _value in objects[-1]]
    return value, {name for name in names if names.count(name) > 1}


def canonical_entry(document: bytes) -> bytes:
    """Return the RFC 8785 bytes of an entry's JSON text, or ``NO_CANONICAL_FORM``."""
    try:
        return rfc8785.dumps(read_json(document))
    except (ValueError, TypeError, RecursionError):
        return NO_CANONICAL_FORM


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


def load_checkpoints(path) -> list[dict]:
    """Return the checkpoints of a file an auditor kept, in file order (newest last)."""
    # Checkpoint lines in the export's format; any other line of an export is passed by,
    # so an earlier export will do as it is.
    found = []
    with open(path, "rb") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip() or line.startswith(_ENTRY_START):
                continue
            try:
                record = read_json(line)
            except ValueError as error:
                raise ValueError(f"{path}, line {number}: {error}") from None
            if not isinstance(record, dict):
                raise ValueError(f"{path}, line {number}: not a JSON object")
            kind = record.get("type")
            if kind == "checkpoint" or (kind is None and "signature" in record):
                found.append(record)
    if not found:
        raise ValueError(f"{path} holds no checkpoint")
    return found


def statement_bytes(checkpoint: dict) -> bytes:
    """Return the bytes a checkpoint's signature covers: RFC 8785 of its statement."""
    return rfc8785.dumps({name: checkpoint[name] for name in STATEMENT_FIELDS})


def signature_verifies(checkpoint: dict, keys: dict) -> bool:
    """Return whether a checkpoint's signature verifies with the trusted key it names."""
    key = keys.get(checkpoint["key_id"])
    if key is None:
        return False
    try:
        key.verify(bytes.fromhex(checkpoint["signature"]), statement_bytes(checkpoint))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def check_checkpoints(
    chain: int, checkpoints: list[dict], keys: dict
) -> tuple[Break | None, list[dict]]:
    """Return the first break among a chain's checkpoints (as made) and those before it."""
    previous = None
    for index, checkpoint in enumerate(checkpoints):
        size = checkpoint["size"]
        if checkpoint["key_id"] not in keys:
            return Break(
                chain,
                "bad_signature",
                size,
                f"checkpoint {checkpoint['sequence']} is signed by key {checkpoint['key_id']},"
                " which is not a trusted key",
            ), checkpoints[:index]
        if not signature_verifies(checkpoint, keys):
            return Break(
                chain,
                "bad_signature",
                size,
                f"checkpoint {checkpoint['sequence']}'s signature does not verify",
            ), checkpoints[:index]
        if checkpoint["chain"] != chain:
            return Break(
                chain,
                "replayed_checkpoint",
                size,
                f"checkpoint {checkpoint['sequence']} is chain {checkpoint['chain']}'s",
            ), checkpoints[:index]
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
            ), checkpoints[:index]
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
            ), checkpoints[:index]
        previous = checkpoint
    return None, checkpoints


def checkpoint_heads(
    chain: int, checkpoints: list[dict], keys: dict, trusted=()
) -> tuple[Break | None, dict[int, set[str]]]:
    """Return the first break among a chain's checkpoints and kept ones, and the heads signed."""
    # The heads map sizes to the head hashes signed there: by the chain's checkpoints up
    # to their first break, and by the checkpoints of this chain the auditor kept, which
    # the chain must extend.
    first_break, accepted = check_checkpoints(chain, checkpoints, keys)
    heads: dict[int, set[str]] = {}
    # A witness repeats the chain's own checkpoints, one line each: a line exactly like
    # one whose signature verified already needs no second check.
    verified = set()
    for checkpoint in accepted:
        heads.setdefault(checkpoint["size"], set()).add(checkpoint["head_hash"])
        verified.add(_signed_content(checkpoint))
    for checkpoint in trusted:
        if checkpoint["chain"] != chain:
            continue
        content = _signed_content(checkpoint)
        if content in verified:
            continue
        if not signature_verifies(checkpoint, keys):
            kept_break = Break(
                chain,
                "bad_signature",
                checkpoint["size"],
                f"the kept checkpoint {checkpoint['sequence']} does not verify with a trusted key",
            )
            if first_break is None or kept_break.position < first_break.position:
                first_break = kept_break
            continue
        verified.add(content)
        heads.setdefault(checkpoint["size"], set()).add(checkpoint["head_hash"])
    return first_break, heads


def _signed_content(checkpoint: dict) -> tuple:
    """Return what a checkpoint's signature covers, and the signature, comparably."""
    # Types too: JSON's true equals 1 in Python, but is another statement.
    fields = (*STATEMENT_FIELDS, "signature")
    return tuple((type(checkpoint.get(name)), checkpoint.get(name)) for name in fields)


def kept_by_chain(trusted) -> dict[int, list[dict]]:
    """Return kept checkpoints grouped by their chain, each group in file order."""
    groups: dict[int, list[dict]] = {}
    for checkpoint in trusted:
        groups.setdefault(checkpoint["chain"], []).append(checkpoint)
    return groups


# --- Walking a chain ------------------------------------------------------------------


class ChainWalk:
    """Recompute a chain's hashes batch by batch, stopping at the first break.

    Each item fed is ``(position, stored hash as hex, entry bytes or None)``; None means
    the link's entry is gone. ``heads`` maps sizes to the head hashes checkpoints signed
    there (see ``checkpoint_heads``). ``canonical``, when given, turns entry bytes that
    do not hash to their seal as they stand into their canonical form before they are
    judged (an export's line written in another form than the exporter's).
    """

    def __init__(self, chain: int, heads: dict[int, set[str]] | None = None, canonical=None):
        self.chain = chain
        self.heads = heads or {}
        self.canonical = canonical
        self.position = 0
        self.previous = GENESIS
        # Items fed but not checked yet: the last LOOKAHEAD wait for the next batch, so
        # that a mismatch can always look that far ahead.
        self.waiting: list[tuple] = []
        self.first_break: Break | None = None

    def feed(self, items: list[tuple]) -> bool:
        """Take the next items; return False once a break is found."""
        if self.first_break is not None:
            return False
        self.waiting.extend(items)
        self._check(len(self.waiting) - LOOKAHEAD)
        return self.first_break is None

    def _check(self, count: int) -> None:
        if count <= 0 or self.first_break is not None:
            return
        items = self.waiting
        sha256 = hashlib.sha256
        previous = self.previous
        expected = self.position
        heads = self.heads
        canonical = self.canonical
        for index in range(count):
            position, stored, document = items[index]
            expected += 1
            if position != expected:
                kind, detail = self._out_of_place(items, index, previous, expected)
                self._stop(kind, expected, detail)
                return
            if document is None:
                self._stop("deleted", position, "the sealed entry is gone")
                return
            digest = sha256(b"\x00" + previous + document).digest()
            if canonical is not None and digest.hex() != stored:
                digest = sha256(b"\x00" + previous + canonical(document)).digest()
            if digest.hex() != stored:
                kind, detail = self._mismatch(items, index, previous)
                self._stop(kind, position, detail)
                return
            if position in heads and heads[position] != {stored}:
                self._stop(
                    "rewritten",
                    position,
                    "the chain agrees with itself but not with the checkpoint signed at"
                    f" size {position}: it was recomputed after a change at or before here",
                )
                return
            previous = digest
        self.previous = previous
        self.position = expected
        del items[:count]

    def _link(self, previous: bytes, item: tuple) -> bytes | None:
        """Return the hash ``item`` seals onto ``previous``; None if it does not fit there."""
        _position, stored, document = item
        if document is None:
            return None
        forms = [document] if self.canonical is None else [document, self.canonical(document)]
        for form in forms:
            digest = hashlib.sha256(b"\x00" + previous + form).digest()
            if digest.hex() == stored:
                return digest
        return None

    def _mismatch(self, items, index, previous) -> tuple[str, str]:
        stored = items[index][1]
        for later in items[index + 1 : index + 1 + LOOKAHEAD]:
            if self._link(previous, later) is not None:
                return "inserted", "an entry that was never sealed precedes the sealed one"
            if self._link(previous, (later[0], stored, later[2])) is not None:
                return "reordered", f"the entry sealed here is found at position {later[0]}"
        return "edited", "the entry does not hash to its seal"

    def _out_of_place(self, items, index, previous, expected) -> tuple[str, str]:
        """Name the break where a line claims another position than the next one."""
        claimed = items[index][0]
        ahead = items[index + 1 : index + 1 + LOOKAHEAD]
        if not any(item[0] == expected for item in ahead):
            if claimed > expected:
                return "deleted", f"position {claimed} follows {expected - 1}"
            return "inserted", f"a line claims position {claimed} again"
        if claimed > expected and self._fits_later(items[index], ahead, previous, expected):
            return "reordered", f"its line comes after the line of position {claimed}"
        return "inserted", f"a line claiming position {claimed} was never sealed there"

    def _fits_later(self, item, ahead, previous, expected) -> bool:
        """Return whether ``item`` hashes to its seal once the lines before it are put back."""
        if item[0] - expected > len(ahead):
            return False
        by_position: dict[int, tuple] = {}
        for later in ahead:
            by_position.setdefault(later[0], later)
        for position in range(expected, item[0]):
            between = by_position.get(position)
            previous = None if between is None else self._link(previous, between)
            if previous is None:
                return False
        return self._link(previous, item) is not None

    def _stop(self, kind: str, position: int, detail: str) -> None:
        self.first_break = Break(self.chain, kind, position, detail)

    def finish(self, checkpoint_break: Break | None = None, checkpoints: int = 0) -> ChainReport:
        """Check what still waits and return the chain's report, once every item was fed."""
        self._check(len(self.waiting))
        breaks = [item for item in (self.first_break, checkpoint_break) if item is not None]
        # Only a checkpoint that verifies can say how long the chain was.
        longest = max(self.heads, default=0)
        if self.first_break is None and longest > self.position:
            breaks.append(
                Break(
                    self.chain,
                    "truncated",
                    self.position + 1,
                    f"a checkpoint signed {longest} entries, the chain has {self.position}",
                )
            )
        covered = max((size for size in self.heads if size <= self.position), default=0)
        return ChainReport(
            chain=self.chain,
            size=self.position,
            checkpoints=checkpoints,
            unsigned=self.position - covered,
            first_break=min(breaks, key=lambda item: item.position, default=None),
        )


# --- Export files ---------------------------------------------------------------------

ENTRY_PREFIX = '{"type":"entry"'
_ENTRY_START = ENTRY_PREFIX.encode()
_ENTRY_LINE = re.compile(r'\{\s*"type"\s*:\s*"entry"')


def _records(path):
    """Yield the header, then every record of an export but its entries."""
    with open(path, "rb") as lines:
        header = read_json(next(lines, b"{}"))
        if (
            not isinstance(header, dict)
            or header.get("format") != FORMAT
            or header.get("version") != VERSION
        ):
            raise ValueError(f"not an audit chain export ({FORMAT}, version {VERSION})")
        yield header
        for number, line in enumerate(lines, 2):
            # Entries are read in the second pass; most lines are entries.
            if line.startswith(_ENTRY_START) or not line.strip():
                continue
            text = line.decode("utf-8")
            if _ENTRY_LINE.match(text):
                continue
            try:
                record = read_json(text)
            except DuplicateKeyError as error:
                # An entry line naming a key twice is an edited entry, found in the second
                # pass; any other line that does has no one meaning, and the file none.
                record, twice = _last_values(text)
                if not isinstance(record, dict) or record.get("type") != "entry" or "type" in twice:
                    raise ValueError(f"line {number}: {error}") from None
            if not isinstance(record, dict):
                raise ValueError(f"line {number}: not a JSON object")
            if record.get("type") != "entry":
                yield record


# An entry line exactly as ``audit.export`` writes it: its entry is then the very bytes
# that were hashed, and is hashed as it stands, without parsing and writing it again;
# only when that does not match its seal is it read and made canonical.
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
        for number, line in enumerate(lines, 2):
            match = exported(line)
            if match is not None:
                position, stored, document = match.groups()
                item = (int(position), stored.decode(), None if document == b"null" else document)
            elif not line.strip() or (item := _entry_item(line, number)) is None:
                continue
            batch.append(item)
            if len(batch) >= batch_size:
                yield batch
                batch = []
    if batch:
        yield batch


def _entry_item(line: bytes, number: int) -> tuple | None:
    """Return the item of an entry line in another form than the exporter's, else None."""
    try:
        record, twice = read_json(line), None
    except DuplicateKeyError:
        record, twice = _last_values(line)
    if not isinstance(record, dict) or record.get("type") != "entry":
        return None
    if twice and twice & {"type", "position"}:
        names = " and ".join(sorted(twice & {"type", "position"}))
        raise ValueError(f"line {number}: an entry line names its {names} twice")
    if not isinstance(record.get("position"), int):
        raise ValueError(f"line {number}: an entry line without a position")
    if twice is not None:
        return record["position"], record.get("hash"), NO_CANONICAL_FORM
    if record["entry"] is None:
        return record["position"], record["hash"], None  # exported without its entry
    try:
        document = rfc8785.dumps(record["entry"])
    except (ValueError, TypeError):
        document = NO_CANONICAL_FORM
    return record["position"], record["hash"], document


def verify_export(path, keys: dict, progress=None, batch_size: int = 5000, trusted=None) -> Report:
    """Verify the export at ``path`` with the trusted ``keys`` and kept checkpoints ``trusted``."""
    records = _records(path)
    header = next(records)
    chain = header["chain"]
    checkpoints = [record for record in records if record.get("type") == "checkpoint"]
    trusted = list(trusted or ())
    if trusted and not any(checkpoint["chain"] == chain for checkpoint in trusted):
        raise ValueError(f"none of the kept checkpoints is of chain {chain}, the exported one")
    checkpoint_break, heads = checkpoint_heads(chain, checkpoints, keys, trusted)
    walk = ChainWalk(chain, heads, canonical_entry)
    for batch in _entry_batches(path, batch_size):
        going = walk.feed(batch)
        if progress is not None:
            progress(len(batch))
        if not going:
            break
    return Report([walk.finish(checkpoint_break, len(checkpoints))])


def main(argv=None) -> int:
    """Verify an export from the command line; exit 1 unless it passes, 2 on unusable input."""
    parser = argparse.ArgumentParser(description="Verify an exported IISG audit chain.")
    parser.add_argument("export", help="the export file (JSON lines)")
    parser.add_argument(
        "--public-key",
        action="append",
        required=True,
        help="PEM file of a trusted signing key (repeat for rotated keys)",
    )
    parser.add_argument(
        "--trusted-checkpoint",
        action="append",
        default=[],
        metavar="FILE",
        help="checkpoints kept earlier (a witness file, checkpoint lines, or an earlier"
        " export): the chain must extend them",
    )
    parser.add_argument(
        "--allow-unsigned",
        action="store_true",
        help="pass a chain whose newest entries no trusted checkpoint covers (still shown)",
    )
    arguments = parser.parse_args(argv)
    keys = {}
    try:
        for path in arguments.public_key:
            with open(path, "rb") as handle:
                keys.update(load_public_keys(handle.read()))
        trusted = [item for path in arguments.trusted_checkpoint for item in load_checkpoints(path)]
        report = verify_export(arguments.export, keys, trusted=trusted)
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"cannot verify: {error}", file=sys.stderr)
        return 2
    for chain in report.chains:
        print(chain.describe())
    return 0 if report.passes(arguments.allow_unsigned) else 1


if __name__ == "__main__":
    sys.exit(main())
