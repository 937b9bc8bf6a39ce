"""Keep the counts through changes of a record's words: a detail version per record table.

Every save of a draft response raised the responses' data version, so every reader's
kept counts of responses (the dashboard's per-pillar figures, the funding, a list's
total) were computed again, though a new title counts for none of them. An update of
a need's, a response's or a link's words and bookkeeping alone (``DETAIL_COLUMNS`` in
portal.data_version) now raises a second version, ``<table>__detail``, read only by
results that read those columns (portal.kept_results).

Revision ID: e7d3a5c8b146
Revises: c4e2a9d71f05
Create Date: 2026-12-09 09:00:00

"""

import sqlalchemy as sa
from alembic import op
from flask import current_app

from portal import data_version, rls

revision = "e7d3a5c8b146"
down_revision = "c4e2a9d71f05"
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    columns = {
        table: [column["name"] for column in inspector.get_columns(table)]
        for table in data_version.DETAIL_COLUMNS
    }
    for statement in data_version.install_detail_statements(bind.dialect.name, columns):
        op.execute(statement)
    if bind.dialect.name == "postgresql":
        app_role = rls.migration_app_role(bind, current_app.config["SQLALCHEMY_DATABASE_URI"])
        details = [data_version.detail_version(table) for table in data_version.DETAIL_COLUMNS]
        for statement in data_version.grant_statements(app_role, details) if app_role else []:
            op.execute(statement)


def downgrade():
    bind = op.get_bind()
    for statement in data_version.uninstall_detail_statements(bind.dialect.name):
        op.execute(statement)
