"""The migrations build exactly the schema the models describe, on both databases."""

import json
from datetime import date

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select

from audit import tables as audit_tables
from portal.models import AcquisChapter, Base, Need, Pillar, SupportLink
from tests import factories


def test_models_and_migrations_agree(db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, [Base.metadata, audit_tables.metadata])

    assert differences == []


def test_migrations_go_down_to_nothing_and_up_again(db):
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}

    upgrade()

    assert set(Base.metadata.tables) | audit_tables.TABLE_NAMES <= set(
        inspect(db.engine).get_table_names()
    )
    assert db.session.scalar(select(func.count()).select_from(Pillar)) == 3


def test_existing_needs_are_given_codes_in_the_order_they_were_created(db):
    cycle = factories.cycle()
    old_cycle = factories.cycle(
        "2021-2022",
        status="adopted",
        starts_on=date(2021, 9, 1),
        ends_on=date(2022, 6, 30),
        board_meeting="Board",
        adopted_on=date(2022, 6, 20),
    )
    albania = factories.partner_tenant()
    serbia = factories.partner_tenant(code="RS-MOI", economy="RS")
    chapter = db.session.scalar(select(AcquisChapter).where(AcquisChapter.number == 24))
    made = [
        factories.need(cycle, albania, acquis_chapters=[chapter]),
        factories.need(cycle, albania, pillar="WBBSi"),
        factories.need(cycle, serbia),
        factories.need(old_cycle, albania, status="adopted"),
        factories.need(cycle, albania),
    ]
    # Codes unlike any the migration gives, so that what is checked below is its work.
    for number, need in enumerate(made):
        need.code = f"before-{number}"
    programme = factories.response(factories.member_tenant())
    db.session.add_all([*made, factories.support_link(programme, made[0])])
    db.session.commit()
    ids = [need.id for need in made]
    db.session.close()

    downgrade(revision="b6e1f0a4c7d2")
    upgrade()

    db.session.expire_all()
    codes = dict(db.session.execute(select(Need.id, Need.code)).all())
    assert [codes[need_id] for need_id in ids] == [
        "2026-AL-WBCTi-001",
        "2026-AL-WBBSi-001",
        "2026-RS-WBCTi-001",
        "2021-AL-WBCTi-001",
        "2026-AL-WBCTi-002",
    ]
    # Rebuilding the table (SQLite) kept what hangs on the needs.
    first = db.session.get(Need, ids[0])
    assert [chapter.number for chapter in first.acquis_chapters] == [24]
    assert db.session.scalar(select(func.count()).select_from(SupportLink)) == 1
    # The trail records each need receiving its code.
    entries = audit_tables.entries
    image = db.session.scalar(
        select(entries.c.new_row)
        .where(entries.c.table_name == "needs", entries.c.row_key == str(ids[0]))
        .order_by(entries.c.id.desc())
        .limit(1)
    )
    image = json.loads(image) if isinstance(image, str) else image
    assert image["code"] == "2026-AL-WBCTi-001"
