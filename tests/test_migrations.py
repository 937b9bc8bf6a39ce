"""The migrations build exactly the schema the models describe, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select

from audit import tables as audit_tables
from portal.models import Base, Pillar


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
