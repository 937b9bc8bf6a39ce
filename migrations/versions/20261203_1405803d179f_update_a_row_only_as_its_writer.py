"""Let a row be updated only by who may write it as it stands; narrow the app role.

The update policies checked the row as it became (the writers' rule) but as it stood
only against the readers' rule, so a row every tenant reads, such as a response's
beneficiary, could be moved by anyone onto a response of their own, taking it from the
response it belonged to. From generation UPDATE_OWN_ROWS of the registry the old row
must pass the writers' rule too, as a DELETE's does.

Also taken from the application's role: creating objects in the public schema (so no
operator or function of its own can stand before the built-in ones in what the
portal's functions run; PostgreSQL 14 and older let everyone), and advancing the data
versions, which re-running the blanket grants on every sequence and function had given.

Revision ID: 1405803d179f
Revises: 7326f1f23748
Create Date: 2026-12-03 10:00:00

"""

from alembic import op
from flask import current_app

from portal import record_types, rls

revision = "1405803d179f"
down_revision = "7326f1f23748"
branch_labels = None
depends_on = None


def _install(generation: int) -> None:
    app_url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    for statement in rls.migration_install_statements(op.get_bind(), app_url, generation):
        op.execute(statement)


def upgrade():
    _install(record_types.UPDATE_OWN_ROWS)


def downgrade():
    # The earlier policies, and with them the earlier blanket grants; creating in the
    # public schema stays revoked from PUBLIC (PostgreSQL 15's own default).
    _install(record_types.SCHEDULED_VERIFICATION)
