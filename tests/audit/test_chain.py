"""Sealing: every entry once, in order, in its tenant's chain, in a few statements."""

from __future__ import annotations

from sqlalchemy import func, select

from audit import tables
from audit.canonical import GENESIS
from audit.chain import chain_heads, document_text, hash_documents, seal
from audit.tables import PLATFORM_CHAIN
from portal import audit_trail
from portal.identity import apply_identity
from tests.audit.chain_support import (
    chain_links,
    change_need,
    system_connection,
    tenant_with_history,
)
from tests.statement_support import count_statements

entries = tables.entries
links = tables.chain_links


def test_every_entry_is_sealed_once_in_its_tenants_chain(db):
    # The baseline of the reference lists, loaded before the trail began, is platform data.
    baseline = db.session.scalar(select(func.count()).select_from(entries))
    albania, _ = tenant_with_history("AL-MOI", "AL", updates=3)
    serbia, _ = tenant_with_history("RS-MUP", "RS", updates=2)
    db.session.remove()

    result = audit_trail.seal_pending()

    db.session.remove()
    total = db.session.scalar(select(func.count()).select_from(entries))
    assert result.total == total
    assert db.session.scalar(select(func.count(links.c.entry_id.distinct()))) == total
    assert result.sealed[albania] == 5 and result.sealed[serbia] == 4
    # The cycle is platform data.
    assert result.sealed[PLATFORM_CHAIN] == baseline + 1
    for chain in (albania, serbia, PLATFORM_CHAIN):
        found = chain_links(db.session, chain)
        assert [link.position for link in found] == list(range(1, len(found) + 1))
        order = [(link.transaction_id, link.entry_id) for link in found]
        assert order == sorted(order)


def test_each_link_holds_the_chained_hash_of_its_entry(db):
    chain_id, _ = tenant_with_history(updates=3)
    db.session.remove()
    audit_trail.seal_pending()

    with system_connection() as connection:
        rows = connection.execute(
            select(links.c.hash, document_text(connection.dialect.name))
            .join(entries, entries.c.id == links.c.entry_id)
            .where(links.c.chain_id == chain_id)
            .order_by(links.c.position)
        ).all()
    expected = hash_documents(GENESIS, [document for _hash, document in rows])

    assert len(rows) == 5
    assert [stored for stored, _document in rows] == [digest.hex() for digest in expected]


def test_sealing_again_seals_only_what_is_new(db):
    chain_id, need_id = tenant_with_history(updates=2)
    db.session.remove()
    audit_trail.seal_pending()

    assert audit_trail.seal_pending().total == 0
    change_need(need_id, "Green border")
    db.session.remove()
    result = audit_trail.seal_pending()

    assert result.sealed == {chain_id: 1}
    db.session.remove()
    assert [link.position for link in chain_links(db.session, chain_id)][-1] == 5


def test_each_link_records_the_horizon_it_was_sealed_under(db):
    chain_id, _ = tenant_with_history(updates=1)
    db.session.remove()
    result = audit_trail.seal_pending()

    with system_connection() as connection:
        horizons = connection.execute(
            select(links.c.horizon, entries.c.transaction_id)
            .join(entries, entries.c.id == links.c.entry_id)
            .where(links.c.chain_id == chain_id)
        ).all()

    assert len(horizons) == 3
    assert {horizon for horizon, _ in horizons} == {result.horizon}
    assert all(transaction < horizon for horizon, transaction in horizons)


def test_a_seal_limited_to_one_chain_leaves_the_others(db):
    albania, _ = tenant_with_history("AL-MOI", "AL", updates=1)
    serbia, _ = tenant_with_history("RS-MUP", "RS", updates=1)
    db.session.remove()

    with db.engine.begin() as connection:
        apply_identity(connection, None)
        result = seal(connection, chain_ids=[serbia])
        heads = chain_heads(connection)

    assert set(result.sealed) == {serbia}
    assert albania not in heads


def test_sealing_takes_the_same_few_statements_for_few_or_many_entries(db):
    # The first seal of a process reads every audited table's shape once, to know what
    # capture to expect; later ones check it with one query.
    audit_trail.seal_pending()
    tenant_with_history("AL-MOI", "AL", updates=2)
    db.session.remove()
    few = count_statements(db.engine, audit_trail.seal_pending)
    tenant_with_history("RS-MUP", "RS", updates=40)
    db.session.remove()
    many = count_statements(db.engine, audit_trail.seal_pending)

    assert many == few
    assert many <= 10
