"""The migrations build exactly the schema the models describe, on both databases."""

import shutil

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select, text

from audit import tables as audit_tables
from portal import PROJECT_ROOT
from portal.models import AuditEntry, Base, Pillar
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
