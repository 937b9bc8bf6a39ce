"""Signed checkpoints: a chain's size and head hash, vouched for with Ed25519.

A checkpoint states, for one chain: its ``sequence`` (1, 2, ... per chain), the chain's
``size`` (positions sealed) and ``head_hash`` (the hash at that position), the
``previous_hash`` (SHA-256 of the previous checkpoint's statement; 64 zeros for the
first), the time it was signed and the ``key_id`` of the key that signed it. The signed
bytes are the RFC 8785 form of exactly those fields (``statement_bytes``).

Keys: the signing key is a 32-byte Ed25519 private key from configuration. Its id is the
first 16 hexadecimal digits of the SHA-256 of its raw public key; the first checkpoint
signed with a key records the public half in ``audit_signing_keys``. Rotation is just
configuring a new key: later checkpoints carry the new id, earlier ones keep verifying
with the key they recorded.

Checkpoints only ever agree with a chain that was not rewritten: an auditor who keeps
them (or an export, or only the public key) outside the database can tell a chain that
was recomputed after an edit from the one that was signed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import func, select, text

from audit import tables
from audit.canonical import TIMESTAMP_FORMAT
from audit.chain import ADVISORY_LOCK_CLASS, chain_heads, now_value

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

checkpoints = tables.checkpoints
signing_keys = tables.signing_keys
links = tables.chain_links


def private_key(raw: bytes) -> Ed25519PrivateKey:
    """Return the Ed25519 private key whose 32 raw bytes are ``raw``."""
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_bytes(key: Ed25519PublicKey) -> bytes:
    """Return the 32 raw bytes of a public key."""
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(key: Ed25519PublicKey | bytes) -> str:
    """Return a public key's id: the first 16 hex digits of the SHA-256 of its raw bytes."""
    raw = key if isinstance(key, bytes) else public_bytes(key)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_key_pem(raw_private_key: bytes) -> bytes:
    """Return the PEM (SubjectPublicKeyInfo) of the configured key's public half."""
    return (
        private_key(raw_private_key)
        .public_key()
        .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )


def timestamp_text(value) -> str:
    """Return a stored timestamp (datetime or SQLite text) as canonical RFC 3339 text."""
    if isinstance(value, str):
        return value
    return value.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def parse_timestamp(value) -> datetime:
    """Return a stored timestamp (datetime or SQLite text) as an aware datetime."""
    if isinstance(value, str):
        return datetime.strptime(value, TIMESTAMP_FORMAT).replace(tzinfo=UTC)
    return value


@dataclass(frozen=True)
class Checkpoint:
    """One signed statement about a chain."""

    chain: int
    sequence: int
    size: int
    head_hash: str
    previous_hash: str
    signed_at: str
    key_id: str
    signature: str

    def statement(self) -> dict:
        """Return the signed fields."""
        return {name: getattr(self, name) for name in STATEMENT_FIELDS}

    def statement_bytes(self) -> bytes:
        """Return the bytes the signature covers."""
        return rfc8785.dumps(self.statement())

    def digest(self) -> str:
        """Return the hex SHA-256 of the statement: the next checkpoint's previous hash."""
        return hashlib.sha256(self.statement_bytes()).hexdigest()

    @classmethod
    def from_row(cls, row) -> Checkpoint:
        """Build a checkpoint from a row of ``audit_checkpoints``."""
        return cls(
            chain=row.chain_id,
            sequence=row.sequence,
            size=row.size,
            head_hash=row.head_hash,
            previous_hash=row.previous_hash,
            signed_at=timestamp_text(row.signed_at),
            key_id=row.key_id,
            signature=row.signature,
        )


def _record_key(connection, key: Ed25519PrivateKey) -> str:
    public = public_bytes(key.public_key())
    identifier = key_id(public)
    known = connection.execute(
        select(signing_keys.c.public_key).where(signing_keys.c.key_id == identifier)
    ).scalar()
    if known is None:
        connection.execute(
            signing_keys.insert().values(
                key_id=identifier,
                public_key=public.hex(),
                first_used_at=now_value(connection.dialect.name),
            )
        )
    elif known != public.hex():
        raise ValueError(f"key id {identifier} is recorded with another public key")
    return identifier


def latest_checkpoints(connection, chain_ids=None) -> dict[int, Checkpoint]:
    """Return the latest checkpoint of every chain (or of ``chain_ids``)."""
    latest = select(checkpoints.c.chain_id, func.max(checkpoints.c.sequence).label("sequence"))
    if chain_ids is not None:
        # Inside the grouping: with a checkpoint at every seal the table grows with each
        # request, and a seal signs only the few chains it grew.
        latest = latest.where(checkpoints.c.chain_id.in_(list(chain_ids)))
    latest = latest.group_by(checkpoints.c.chain_id).subquery()
    query = select(checkpoints).join(
        latest,
        (checkpoints.c.chain_id == latest.c.chain_id)
        & (checkpoints.c.sequence == latest.c.sequence),
    )
    return {row.chain_id: Checkpoint.from_row(row) for row in connection.execute(query)}


def checkpoint(connection, signing_key: bytes, chain_ids=None, sealed=None) -> list[Checkpoint]:
    """Sign a checkpoint for every chain that grew since its last one; return them.

    Runs in the caller's transaction (seal first, in the same one, to cover the newest
    entries); the caller commits. ``sealed``, the result of that seal, signs the chains
    it grew at the heads it left, which its locks keep in place until the commit.
    """
    key = private_key(signing_key)
    if sealed is not None:
        heads = dict(sealed.heads)
    else:
        heads = chain_heads(connection, chain_ids)
        if connection.dialect.name == "postgresql" and heads:
            # The sealer's locks: a chain's head cannot move while it is being signed.
            connection.execute(
                text(
                    "SELECT pg_advisory_xact_lock(:lock_class, chain) FROM unnest(:chains) AS chain"
                ),
                {"lock_class": ADVISORY_LOCK_CLASS, "chains": sorted(heads)},
            )
            heads = chain_heads(connection, sorted(heads))
    previous = latest_checkpoints(connection, heads)
    made = []
    identifier = None
    for chain_id in sorted(heads):
        head = heads[chain_id]
        last = previous.get(chain_id)
        if last is not None and last.size >= head.position:
            continue
        if identifier is None:
            identifier = _record_key(connection, key)
        unsigned = Checkpoint(
            chain=chain_id,
            sequence=1 if last is None else last.sequence + 1,
            size=head.position,
            head_hash=head.hash.hex(),
            previous_hash=GENESIS_CHECKPOINT if last is None else last.digest(),
            signed_at=datetime.now(UTC).strftime(TIMESTAMP_FORMAT),
            key_id=identifier,
            signature="",
        )
        signed = Checkpoint(
            **{**unsigned.__dict__, "signature": key.sign(unsigned.statement_bytes()).hex()}
        )
        made.append(signed)
    if made:
        dialect = connection.dialect.name
        connection.execute(
            checkpoints.insert(),
            [
                {
                    "chain_id": item.chain,
                    "sequence": item.sequence,
                    "size": item.size,
                    "head_hash": item.head_hash,
                    "previous_hash": item.previous_hash,
                    "signed_at": item.signed_at
                    if dialect == "sqlite"
                    else parse_timestamp(item.signed_at),
                    "key_id": item.key_id,
                    "signature": item.signature,
                }
                for item in made
            ],
        )
    return made


def due(connection, every_entries: int, every_minutes: float) -> list[int]:
    """Return the chains owed a checkpoint.

    A chain is owed one when ``every_entries`` entries were sealed since its last
    checkpoint, or when the oldest entry not yet covered was sealed ``every_minutes``
    ago or more.
    """
    heads = chain_heads(connection)
    previous = latest_checkpoints(connection)
    uncovered = {
        chain_id: (previous[chain_id].size if chain_id in previous else 0)
        for chain_id, head in heads.items()
        if head.position > (previous[chain_id].size if chain_id in previous else 0)
    }
    owed = [
        chain_id
        for chain_id, covered in uncovered.items()
        if heads[chain_id].position - covered >= every_entries
    ]
    waiting = [chain_id for chain_id in uncovered if chain_id not in owed]
    if waiting:
        first_uncovered = connection.execute(
            select(links.c.chain_id, links.c.sealed_at).where(
                links.c.chain_id.in_(waiting),
                links.c.position
                == func.coalesce(
                    select(func.max(checkpoints.c.size))
                    .where(checkpoints.c.chain_id == links.c.chain_id)
                    .scalar_subquery(),
                    0,
                )
                + 1,
            )
        )
        limit = datetime.now(UTC) - timedelta(minutes=every_minutes)
        owed += [
            chain_id
            for chain_id, sealed_at in first_uncovered
            if parse_timestamp(sealed_at) <= limit
        ]
    return sorted(owed)
