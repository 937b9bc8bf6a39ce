"""Look up the one row a row refers to, and read the responses' newest changes off an index.

The policies of tables whose rows belong to another row (a response's pillars and
parties, a need's acquis chapters, a user's roles) asked "is my parent among every row
of the parent table I may read": PostgreSQL listed the readable responses, all 100,000
of them, to show the pillars of one page of 25. They now look up the one parent row by
its key (generation LOOKUP_BY_KEY of the registry); PostgreSQL still hashes the lookup
when a statement tests many rows. The responses list's default order, newest change
first, now comes off an index instead of a sort of every readable response.

Revision ID: 0c5d8e2f7a31
Revises: 2bffea4c17b6
Create Date: 2026-12-01 09:00:00

"""

from alembic import op
from flask import current_app

from portal import record_types, rls

revision = "0c5d8e2f7a31"
down_revision = "2bffea4c17b6"
branch_labels = None
depends_on = None

_INDEX = "ix_responses_updated_at_id"


def _install(generation: int) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    app_role = rls.migration_app_role(bind, current_app.config["SQLALCHEMY_DATABASE_URI"])
    for statement in rls.install_statements(app_role, generation):
        op.execute(statement)


def upgrade():
    op.create_index(_INDEX, "responses", ["updated_at", "id"])
    _install(record_types.LOOKUP_BY_KEY)


def downgrade():
    _install(record_types.REPLAY_CACHE)
    op.drop_index(_INDEX, table_name="responses")
