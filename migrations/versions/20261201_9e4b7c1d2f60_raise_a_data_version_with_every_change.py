"""Raise a data version with every change, so that totals can be kept while still valid.

A list's total and the analysis' ranked needs cost a pass over every row a reader may
read; the portal now keeps them for as long as the data they came from is unchanged
(portal.kept_results). What says so is a version per record table that a trigger
raises with every statement changing the table (portal.data_version): on PostgreSQL a
sequence per table, which the application role may read but not set; on SQLite a row
per table in ``iisg_data_version``.

Revision ID: 9e4b7c1d2f60
Revises: 0c5d8e2f7a31
Create Date: 2026-12-01 12:00:00

"""

from alembic import op
from flask import current_app

from portal import data_version, record_types, rls

revision = "9e4b7c1d2f60"
down_revision = "0c5d8e2f7a31"
branch_labels = None
depends_on = None

# The record tables as they stand at this migration; a later table's migration installs
# its own trigger (tests/test_data_version.py checks every counted table has one).
_TABLES = [item.table for item in record_types.REGISTRY.as_of(record_types.LOOKUP_BY_KEY)]


def upgrade():
    bind = op.get_bind()
    for statement in data_version.install_statements(bind.dialect.name, _TABLES):
        op.execute(statement)
    if bind.dialect.name == "postgresql":
        app_role = rls.migration_app_role(bind, current_app.config["SQLALCHEMY_DATABASE_URI"])
        for statement in data_version.grant_statements(app_role, _TABLES) if app_role else []:
            op.execute(statement)


def downgrade():
    bind = op.get_bind()
    for statement in data_version.uninstall_statements(bind.dialect.name, _TABLES):
        op.execute(statement)
