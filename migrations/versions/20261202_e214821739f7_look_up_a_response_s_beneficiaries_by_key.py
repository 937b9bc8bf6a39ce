"""Look up a response's beneficiaries by the response's key.

Whether a partner may read a restricted response was asked of the set of every response
benefiting its economy (9,700 of 100,000), built again in each statement that asked:
the page of responses, then their pillars, then their parties, about 3 ms each. The
policies of responses and links now ask for the row's own pairing (generation
BENEFITS_BY_KEY of the registry), which PostgreSQL still hashes when a statement tests
many rows. The beneficiaries' writers are checked by the function iisg_owns_row, so
that their policy names no table whose policy names them.

Revision ID: e214821739f7
Revises: 9e4b7c1d2f60
Create Date: 2026-12-02 09:00:00

"""

from alembic import op
from flask import current_app

from portal import record_types, rls

revision = "e214821739f7"
down_revision = "9e4b7c1d2f60"
branch_labels = None
depends_on = None


def _install(generation: int) -> None:
    app_url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    for statement in rls.migration_install_statements(op.get_bind(), app_url, generation):
        op.execute(statement)


def upgrade():
    _install(record_types.BENEFITS_BY_KEY)


def downgrade():
    _install(record_types.LOOKUP_BY_KEY)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS iisg_owns_row(text, integer)")
