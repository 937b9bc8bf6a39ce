"""Shared steps of the chain tests: real changes, sealing, and tampering as the owner."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager

from flask import current_app
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.engine import make_url

from audit import tables
from audit.canonical import ENTRY_FIELDS
from audit.chain import GENESIS, document_text, hash_documents
from audit.mac import MacKey
from audit.verify import entry_fields_as_stored
from portal.extensions import db
from portal.identity import apply_identity
from portal.models import Cycle, Need
from tests import factories

entries = tables.entries
links = tables.chain_links


def tenant_with_history(code="AL-MOI", economy="AL", updates=8):
    """Create a tenant and a need, then change the need ``updates`` times, one commit each.

    Returns the tenant's id (its chain) and the need's.
    """
    tenant = factories.partner_tenant(code=code, economy=economy)
    # One cycle is open at a time; the first history opens it (platform data).
    cycle = db.session.scalar(select(Cycle).where(Cycle.status == "open"))
    cycle = cycle or factories.cycle()
    need = factories.need(cycle, tenant, title="Border surveillance 0")
    db.session.add(need)
    db.session.commit()
    for number in range(1, updates + 1):
        change_need(need.id, f"Border surveillance {number}")
    return tenant.id, need.id


def change_need(need_id: int, title: str) -> None:
    """Give a need a new title in a transaction of its own."""
    need = db.session.get(Need, need_id)
    need.title = title
    db.session.commit()


def chain_links(connection_or_session, chain_id: int) -> list:
    """Return the chain's links joined with their entries' order, by position."""
    return connection_or_session.execute(
        select(links.c.position, links.c.entry_id, entries.c.transaction_id)
        .select_from(links.outerjoin(entries, entries.c.id == links.c.entry_id))
        .where(links.c.chain_id == chain_id)
        .order_by(links.c.position)
    ).all()


@contextmanager
def system_connection():
    """Connect as the application acting as the system (row-level security lets it see all)."""
    with db.engine.connect() as connection:
        apply_identity(connection, None)
        yield connection


@contextmanager
def as_owner(owner_url: str):
    """Act as the owner of the database with the trail's guards off, to tamper with it."""
    engine = create_engine(owner_url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                for table in sorted(tables.TABLE_NAMES):
                    connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
            else:
                guards = connection.execute(
                    text(
                        "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                        " AND name LIKE 'audit_%_append_only_%'"
                    )
                ).scalars()
                for name in list(guards):
                    connection.execute(text(f'DROP TRIGGER "{name}"'))
            yield connection
    finally:
        engine.dispose()


def authenticate_anew(owner, entry_ids) -> None:
    """Make the entries' MACs anew with the portal's key (SQLite), as one holding it could."""
    if owner.dialect.name != "sqlite":
        return
    key = MacKey.from_secret(current_app.config["SECRET_KEY"])
    rows = owner.execute(entry_fields_as_stored(owner).where(entries.c.id.in_(entry_ids))).all()
    for row in rows:
        made = key.mac(tuple(row[: len(ENTRY_FIELDS)]))
        owner.execute(update(entries).where(entries.c.id == row.id).values(mac=made))


def recompute_chain(owner, chain_id: int) -> None:
    """Rewrite every link's hash from the entries as they are now, as a forger would."""
    rows = owner.execute(
        select(links.c.position, document_text(owner.dialect.name))
        .select_from(links.join(entries, entries.c.id == links.c.entry_id))
        .where(links.c.chain_id == chain_id)
        .order_by(links.c.position)
    ).all()
    hashes = hash_documents(GENESIS, [document for _position, document in rows])
    for (position, _document), digest in zip(rows, hashes, strict=True):
        at = (links.c.chain_id == chain_id) & (links.c.position == position)
        owner.execute(update(links).where(at).values(hash=digest.hex()))


@contextmanager
def behind_the_trail(database_owner_url: str, table: str):
    """Yield a function running SQL on ``table`` with its capture off, as its owner.

    What a superuser or the table's owner can do on PostgreSQL (disable the trigger, for
    this transaction), and anyone holding a SQLite file (drop the triggers, through a
    plain sqlite3 connection, which also lacks the functions the portal registers).
    """
    url = make_url(database_owner_url)
    if url.get_backend_name() == "postgresql":
        engine = create_engine(url)
        try:
            with engine.begin() as connection:
                # The tables' policies bind their owner too: act as the system.
                connection.execute(text("SELECT set_config('iisg.mode', 'system', true)"))
                connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER audit_capture"))
                yield lambda sql, **values: connection.execute(text(sql), values)
                connection.execute(text(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER audit_capture"))
        finally:
            engine.dispose()
        return
    raw = sqlite3.connect(url.database)
    try:
        installed = raw.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?"
            " AND name LIKE 'audit_capture_%'",
            (table,),
        ).fetchall()
        assert installed, f"no capture triggers on {table}"
        for name, _sql in installed:
            raw.execute(f'DROP TRIGGER "{name}"')
        yield lambda sql, **values: raw.execute(sql, values)
        # Put back as they were, as the PostgreSQL branch enables them again: what is
        # left is a row changed without an entry, not a capture still missing.
        for _name, sql in installed:
            raw.execute(sql)
        raw.commit()
    finally:
        raw.close()
