"""The baseline: rows that no entry names, recorded as they stand, as the capture would.

The reference lists were loaded by the migration that made the schema, before the
capture existed; a later migration records a baseline of them, and a migration that
starts auditing a table holding rows does the same (``triggers.baseline_statements``).
"""

from __future__ import annotations

import json

from sqlalchemy import create_engine, select, text

from audit import tables, triggers
from portal.models import Pillar, Response
from portal.record_types import REGISTRY
from tests import factories
from tests.audit.chain_support import behind_the_trail

entries = tables.entries


def image(value):
    return json.loads(value) if isinstance(value, str) else value


def record_baseline(database_owner_url: str, table: str, reason: str) -> None:
    """Run the baseline of ``table`` twice as the owner, as a migration would."""
    declaration = REGISTRY.audit_declaration()
    engine = create_engine(database_owner_url)
    try:
        for _ in range(2):  # the second run finds every row named
            with engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(text("SELECT set_config('iisg.mode', 'system', true)"))
                for statement in triggers.baseline_statements(
                    connection, declaration, reason, only=(table,)
                ):
                    connection.execute(text(statement))
    finally:
        engine.dispose()


def test_the_rows_loaded_before_the_trail_began_have_a_baseline(db):
    pillars = db.session.scalars(select(Pillar.id)).all()
    recorded = db.session.execute(
        select(entries.c.row_key, entries.c.operation, entries.c.tenant_id, entries.c.reason)
        .where(entries.c.table_name == "pillars")
        .order_by(entries.c.id)
    ).all()

    assert [row.row_key for row in recorded] == [str(pillar) for pillar in sorted(pillars)]
    assert {(row.operation, row.tenant_id) for row in recorded} == {("I", None)}
    assert {row.reason.split(":")[0] for row in recorded} == {"baseline"}


def test_a_baseline_image_is_the_one_the_capture_writes(db):
    # The capture's next entry of the row starts from exactly what the baseline recorded.
    pillar = db.session.scalar(select(Pillar).where(Pillar.code == "WBBSi"))
    pillar.name = "Border security, renamed"
    db.session.commit()

    baseline, update = db.session.execute(
        select(entries.c.old_row, entries.c.new_row)
        .where(entries.c.table_name == "pillars", entries.c.row_key == str(pillar.id))
        .order_by(entries.c.id)
    ).all()

    assert baseline.old_row is None
    assert image(update.old_row) == image(baseline.new_row)


def test_a_baseline_names_the_rows_no_entry_names_in_their_chains(db, database_owner_url):
    tenant = factories.member_tenant()
    programme = factories.response(tenant)
    db.session.add(programme)
    db.session.commit()
    response_id, tenant_id = programme.id, tenant.id
    db.session.remove()
    with behind_the_trail(database_owner_url, "response_parties") as run:
        run(
            "INSERT INTO response_parties (id, response_id, role, position, name)"
            " VALUES (77, :response, 'implementer', 1, 'Written unseen')",
            response=response_id,
        )

    record_baseline(database_owner_url, "response_parties", "baseline: test")

    made = db.session.execute(
        select(
            entries.c.row_key, entries.c.operation, entries.c.tenant_id, entries.c.new_row
        ).where(entries.c.reason == "baseline: test")
    ).all()
    assert [(row.row_key, row.operation, row.tenant_id) for row in made] == [("77", "I", tenant_id)]
    assert image(made[0].new_row)["name"] == "Written unseen"
    # Rows that entries name already are left alone.
    assert db.session.get(Response, response_id) is not None
    assert (
        db.session.scalar(
            select(entries.c.id).where(
                entries.c.table_name == "responses", entries.c.reason == "baseline: test"
            )
        )
        is None
    )
