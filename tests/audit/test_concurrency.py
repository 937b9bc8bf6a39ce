"""Sealing while many writers commit and roll back: no fork, no gap, every entry once."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select, text, update

from audit import tables
from audit.chain import chain_of
from portal import audit_trail
from portal.extensions import db
from portal.identity import apply_identity
from portal.models import Need, Tenant
from tests import factories
from tests.audit.chain_support import system_connection

entries = tables.entries
links = tables.chain_links

WRITERS = 8
SEALERS: list = []
CHANGES_PER_WRITER = 15


def needs_of_two_tenants(per_tenant: int) -> dict[int, list[int]]:
    cycle = factories.cycle()
    found = {}
    for code, economy in (("AL-MOI", "AL"), ("RS-MUP", "RS")):
        tenant = factories.partner_tenant(code=code, economy=economy)
        needs = [factories.need(cycle, tenant, title=f"{code} {n}") for n in range(per_tenant)]
        db.session.add_all(needs)
        db.session.commit()
        found[tenant.id] = [need.id for need in needs]
    db.session.remove()
    return found


class Writer(threading.Thread):
    """Change one need again and again; every fourth change is rolled back."""

    def __init__(self, app, need_id: int, changes: int):
        super().__init__()
        self.app, self.need_id, self.changes = app, need_id, changes
        self.committed = 0
        self.error = None

    def run(self):
        try:
            for number in range(self.changes):
                with self.app.app_context():
                    db.session.execute(
                        update(Need)
                        .where(Need.id == self.need_id)
                        .values(title=f"need {self.need_id} change {number}")
                    )
                    if number % 4 == 3:
                        db.session.rollback()
                    else:
                        db.session.commit()
                        self.committed += 1
                    db.session.remove()
        except Exception as error:  # reported by the test, not lost in the thread
            self.error = error


class Sealer(threading.Thread):
    """Seal over and over until told to stop."""

    def __init__(self, app, stop: threading.Event):
        super().__init__()
        self.app, self.stop = app, stop
        self.runs = 0
        self.error = None

    def run(self):
        try:
            while not self.stop.is_set():
                with self.app.app_context():
                    audit_trail.seal_pending()
                self.runs += 1
                time.sleep(0.01)
        except Exception as error:
            self.error = error


def chain_state(chain_id: int):
    with system_connection() as connection:
        positions = connection.execute(
            select(links.c.position, links.c.entry_id, entries.c.transaction_id)
            .join(entries, entries.c.id == links.c.entry_id)
            .where(links.c.chain_id == chain_id)
            .order_by(links.c.position)
        ).all()
        entry_ids = set(
            connection.execute(select(entries.c.id).where(chain_of() == chain_id)).scalars()
        )
    return positions, entry_ids


def assert_sealed_once_without_fork_or_gap(chain_id: int, expected_entries: int) -> None:
    positions, entry_ids = chain_state(chain_id)
    assert [row.position for row in positions] == list(range(1, len(positions) + 1))
    assert len({row.entry_id for row in positions}) == len(positions)
    assert {row.entry_id for row in positions} == entry_ids
    assert len(entry_ids) == expected_entries
    order = [(row.transaction_id, row.entry_id) for row in positions]
    assert order == sorted(order)


def count_entries(chain_id: int) -> int:
    with system_connection() as connection:
        return connection.execute(select(func.count()).where(chain_of() == chain_id)).scalar_one()


def run_writers_while_sealing(app, needs: dict[int, list[int]], changes: int, hold=None):
    """Run one writer per need and two sealers; ``hold`` runs while they do."""
    writers = [Writer(app, need_id, changes) for ids in needs.values() for need_id in ids]
    stop = threading.Event()
    sealers = [Sealer(app, stop) for _ in range(2)]
    SEALERS[:] = sealers
    for thread in (*writers, *sealers):
        thread.start()
    if hold is not None:
        hold()
    for writer in writers:
        writer.join()
    stop.set()
    for sealer in sealers:
        sealer.join()
    errors = [thread.error for thread in (*writers, *sealers) if thread.error]
    assert errors == []
    assert all(sealer.runs > 0 for sealer in sealers)
    return writers


@pytest.mark.parametrize("database_template", ["postgresql"], indirect=True)
def test_eight_writers_two_tenants_rollbacks_and_a_long_transaction(app, db):
    needs = needs_of_two_tenants(per_tenant=WRITERS // 2)
    albania = next(iter(needs))
    before = {chain: count_entries(chain) for chain in needs}
    audit_trail.seal_pending()
    held = {}

    def long_transaction():
        # Held open across many seals, then committed: nothing from its transaction on
        # may be sealed before it ends, or its entry would have to go in behind them.
        with db.engine.connect() as connection:
            apply_identity(connection, None)
            connection.execute(update(Tenant).where(Tenant.id == albania).values(name="Held"))
            own = connection.execute(text("SELECT pg_current_xact_id()::text::bigint")).scalar()
            time.sleep(1.5)
            with system_connection() as other:
                held["seals"] = sum(sealer.runs for sealer in SEALERS)
                held["sealed_from_it_on"] = other.execute(
                    select(func.count())
                    .select_from(links.join(entries, entries.c.id == links.c.entry_id))
                    .where(entries.c.transaction_id >= own)
                ).scalar_one()
            connection.commit()

    writers = run_writers_while_sealing(app, needs, CHANGES_PER_WRITER, hold=long_transaction)
    audit_trail.seal_pending()

    assert held["seals"] > 0
    assert held["sealed_from_it_on"] == 0
    committed = {chain: 0 for chain in needs}
    for writer in writers:
        chain = next(chain for chain, ids in needs.items() if writer.need_id in ids)
        committed[chain] += writer.committed
    committed[albania] += 1  # the long transaction's change
    for chain in needs:
        assert_sealed_once_without_fork_or_gap(chain, before[chain] + committed[chain])
    assert audit_trail.verify().breaks == []


def test_writers_and_sealers_side_by_side(app, db):
    needs = needs_of_two_tenants(per_tenant=2)
    before = {chain: count_entries(chain) for chain in needs}

    writers = run_writers_while_sealing(app, needs, changes=8)
    audit_trail.seal_pending()

    for chain, ids in needs.items():
        committed = sum(writer.committed for writer in writers if writer.need_id in ids)
        assert_sealed_once_without_fork_or_gap(chain, before[chain] + committed)
    assert audit_trail.verify().breaks == []
