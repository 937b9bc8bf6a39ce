"""The tables of the audit trail, in their own metadata (the portal maps them for reading).

- ``audit_entries``: one row per changed row (I/U/D), truncation (T) or security event (E),
  on SQLite with the MAC that shows the application wrote it.
- ``audit_chain_links``: the seal of each entry in its chain (one chain per tenant, chain 0
  for platform data), insert-only.
- ``audit_checkpoints``: signed statements of a chain's size and head hash.
- ``audit_signing_keys``: the public half of every key that has signed a checkpoint.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects import postgresql

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only numbers rows automatically for INTEGER PRIMARY KEY columns.
Identifier = BigInteger().with_variant(Integer, "sqlite")
# Row images: jsonb on PostgreSQL (compact, indexable), JSON text on SQLite.
RowImage = JSON().with_variant(postgresql.JSONB(), "postgresql")
# Timestamps: timestamptz on PostgreSQL; on SQLite RFC 3339 text with microseconds and Z,
# written by the capture function, so both sort and compare as written.
Timestamp = DateTime(timezone=True).with_variant(String(32), "sqlite")

PLATFORM_CHAIN = 0

entries = Table(
    "audit_entries",
    metadata,
    Column("id", Identifier, primary_key=True, autoincrement=True),
    # Whose data changed (the tenant owning the row); NULL for platform data.
    Column("tenant_id", Integer),
    # PostgreSQL: the transaction's xid; SQLite: a monotonic number per transaction.
    Column("transaction_id", BigInteger, nullable=False),
    Column("recorded_at", Timestamp, nullable=False),
    Column("table_name", String(63)),
    Column("row_key", String(200)),
    # I insert, U update, D delete, T truncate, E security event.
    Column("operation", String(1), nullable=False),
    Column("old_row", RowImage),
    Column("new_row", RowImage),
    Column("changed_columns", RowImage),
    Column("event", String(50)),
    Column("actor_id", Integer),
    # user, api_token, system (the application acting for nobody), db (outside the app).
    Column("actor_kind", String(20), nullable=False),
    Column("actor_label", String(200)),
    Column("actor_tenant_id", Integer),
    Column("request_id", String(64)),
    Column("client_address", String(64)),
    Column("reason", Text),
    # SQLite: "key id:HMAC" over the fields above (audit.mac), written by the capture
    # triggers with a key only the application holds. Not part of the hashed document.
    # NULL on PostgreSQL, where only the capture functions can write the trail.
    Column("mac", String(80)),
    Index("ix_audit_entries_tenant_id_id", "tenant_id", "id"),
    Index("ix_audit_entries_table_name_row_key", "table_name", "row_key", "id"),
    Index("ix_audit_entries_transaction_id", "transaction_id"),
    Index("ix_audit_entries_recorded_at", "recorded_at"),
    Index("ix_audit_entries_actor_id", "actor_id"),
)

chain_links = Table(
    "audit_chain_links",
    metadata,
    # The tenant's id, or PLATFORM_CHAIN for platform data.
    Column("chain_id", Integer, primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("entry_id", BigInteger, nullable=False, unique=True),
    # hex SHA-256(0x00 || previous hash || JCS(entry)).
    Column("hash", String(64), nullable=False),
    Column("sealed_at", Timestamp, nullable=False),
    # Every entry of this chain with a transaction_id below this was sealed by then.
    Column("horizon", BigInteger, nullable=False),
)

checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("id", Identifier, primary_key=True, autoincrement=True),
    Column("chain_id", Integer, nullable=False),
    Column("sequence", BigInteger, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("head_hash", String(64), nullable=False),
    Column("previous_hash", String(64), nullable=False),
    Column("signed_at", Timestamp, nullable=False),
    Column("key_id", String(32), nullable=False),
    Column("signature", String(128), nullable=False),
    UniqueConstraint("chain_id", "sequence"),
)

signing_keys = Table(
    "audit_signing_keys",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("public_key", String(64), nullable=False),
    Column("first_used_at", Timestamp, nullable=False),
)

TABLE_NAMES = frozenset(metadata.tables)
