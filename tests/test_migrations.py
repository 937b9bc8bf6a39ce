"""The migrations build exactly the schema the models describe, on both databases."""

import json
import shutil
from datetime import date, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, insert, inspect, select, text, update
from sqlalchemy.exc import IntegrityError

from audit import mac as audit_mac
from audit import tables as audit_tables
from audit import triggers
from portal import PROJECT_ROOT, db_identity, record_types
from portal.models import (
    AcquisChapter,
    ApiToken,
    AuditEntry,
    Base,
    Need,
    Pillar,
    SupportLink,
)
from portal.models.base import utc_now
from tests import factories


def test_models_and_migrations_agree(db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "include_object": db_identity.include_object},
        )
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


THROWAWAY_MIGRATION = '''"""Add a throwaway audited record type (a test's, never shipped)."""

import sqlalchemy as sa
from alembic import op
from flask import current_app

from audit import triggers
from portal import record_types, rls

revision = "0throwaway0"
down_revision = "{head}"
branch_labels = None
depends_on = None

GENERATION = {generation}


def upgrade():
    op.create_table(
        "throwaway_notes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tenant_id", sa.Integer(), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
    )
    bind = op.get_bind()
    declaration = record_types.REGISTRY.audit_declaration(GENERATION)
    for statement in triggers.install_statements(bind, declaration, only=("throwaway_notes",)):
        op.execute(statement)
    if bind.dialect.name == "postgresql":
        app_url = current_app.config["SQLALCHEMY_DATABASE_URI"]
        app_role = rls.migration_app_role(bind, app_url)
        for statement in rls.install_statements(app_role, GENERATION):
            op.execute(statement)


def downgrade():
    op.drop_table("throwaway_notes")
'''


def test_a_new_audited_record_type_upgrades_from_an_empty_database(db, tmp_path, monkeypatch):
    # Every migration installs capture and policies as of its own generation: one
    # written before a record type existed must not try to install the new one's.
    from portal import record_types
    from tests.test_record_types import throwaway_record_type

    generation = record_types.REGISTRY.latest + 1
    registry = record_types.Registry(
        (*record_types.REGISTRY.record_types, throwaway_record_type(generation)),
        record_types.REGISTRY.other_tables,
        latest=generation,
    )
    monkeypatch.setattr(record_types, "REGISTRY", registry)
    directory = tmp_path / "migrations"
    shutil.copytree(PROJECT_ROOT / "migrations", directory)
    head = ScriptDirectory(str(directory)).get_current_head()
    (directory / "versions" / "0throwaway0_add_throwaway_notes.py").write_text(
        THROWAWAY_MIGRATION.format(head=head, generation=generation)
    )
    downgrade(revision="base")
    db.engine.dispose()

    upgrade(directory=str(directory))

    tenant = factories.member_tenant(code="NOTES")
    db.session.flush()
    db.session.execute(
        text("INSERT INTO throwaway_notes (tenant_id, body) VALUES (:tenant, 'written')"),
        {"tenant": tenant.id},
    )
    db.session.commit()
    captured = db.session.scalars(
        select(AuditEntry.operation).where(AuditEntry.table_name == "throwaway_notes")
    ).all()
    assert captured == ["I"]


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


def test_entry_macs_come_and_go_with_their_migration(db, backend):
    def columns():
        return {column["name"] for column in inspect(db.engine).get_columns("audit_entries")}

    def capture_problems(generation=None):
        # Down at the MACs' migration the trail's tables are those of its generation.
        with db.engine.connect() as connection:
            return triggers.installed_problems(
                connection, record_types.REGISTRY.audit_declaration(generation)
            )

    db.session.close()
    downgrade(revision="71084d95a85e")
    db.engine.dispose()
    assert "mac" not in columns()
    # The capture goes on as before the column existed.
    factories.member_tenant(code="BEFORE")
    db.session.commit()
    assert capture_problems(record_types.SIGNED_IDENTITY) == []
    through = db.session.scalar(select(func.max(AuditEntry.id)))
    db.session.close()

    upgrade()
    db.engine.dispose()

    assert "mac" in columns()
    assert capture_problems() == []
    started = db.session.scalars(
        select(AuditEntry.new_row).where(
            AuditEntry.event == audit_mac.STARTED_EVENT, AuditEntry.id > through
        )
    ).all()
    assert started == ([{audit_mac.STARTED_THROUGH: through}] if backend == "sqlite" else [])
    factories.member_tenant(code="AFTER")
    db.session.commit()
    made = db.session.scalar(select(AuditEntry.mac).order_by(AuditEntry.id.desc()).limit(1))
    assert (made is not None) == (backend == "sqlite")


def test_tokens_made_before_scopes_keep_writing_and_scopes_are_read_or_write(db):
    person = factories.user(factories.member_tenant())
    db.session.commit()
    person_id = person.id
    db.session.close()
    downgrade(revision="51570abbf386")
    db.engine.dispose()
    assert "scope" not in {
        column["name"] for column in inspect(db.engine).get_columns("api_tokens")
    }
    # The table as it was: no scope to name.
    old_tokens = ApiToken.__table__
    db.session.execute(
        insert(old_tokens).values(
            user_id=person_id,
            name="old script",
            token_hash="a digest",
            prefix="iisg_old",
            created_at=utc_now(),
            expires_at=utc_now() + timedelta(days=30),
        )
    )
    db.session.commit()
    db.session.close()

    upgrade()
    db.engine.dispose()

    assert db.session.execute(select(ApiToken.name, ApiToken.scope)).all() == [
        ("old script", "write")
    ]
    with db.engine.connect() as connection:
        assert (
            triggers.installed_problems(connection, record_types.REGISTRY.audit_declaration()) == []
        )
    with pytest.raises(IntegrityError, match="ck_api_tokens_scope"):
        db.session.execute(update(ApiToken).values(scope="admin"))
    db.session.rollback()
