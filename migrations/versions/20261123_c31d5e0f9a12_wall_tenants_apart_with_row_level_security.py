"""Wall tenants apart with PostgreSQL row-level security.

Policies on every tenant-scoped table mirror the visibility rules the application
applies, read from transaction-local settings; the application's database
role, when it is not the schema owner, gets data privileges only. The SQL is generated
from the record-type registry, as of its first generation. SQLite has no row-level security: nothing to do.

Revision ID: c31d5e0f9a12
Revises: afd7e9b83613
Create Date: 2026-11-23 20:30:00

"""

from alembic import op
from flask import current_app

from portal import record_types, rls

revision = "c31d5e0f9a12"
down_revision = "afd7e9b83613"
branch_labels = None
depends_on = None


def _app_role() -> str | None:
    return rls.migration_app_role(op.get_bind(), current_app.config["SQLALCHEMY_DATABASE_URI"])


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in rls.install_statements(_app_role(), record_types.ROW_SECURITY):
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in rls.uninstall_statements(record_types.ROW_SECURITY):
        op.execute(statement)
