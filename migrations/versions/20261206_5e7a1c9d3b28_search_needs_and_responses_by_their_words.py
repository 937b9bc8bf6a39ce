"""Search needs and responses by their words: full-text indexes on both databases.

PostgreSQL gets ``iisg_search_documents``: each need's and response's words as a
``tsvector`` with a GIN index, in a table only the schema owner reads (row-level
security would keep PostgreSQL from using an index for ``@@`` on the records' own
tables), kept current by triggers running as the owner and searched through
``iisg_search_matches``, which answers only the portal's signed identity. SQLite gets two
FTS5 tables kept current by triggers. Both are filled from the rows already there. Neither
is a record type (copies of the records' words, never audited): ``portal.full_text``.

Revision ID: 5e7a1c9d3b28
Revises: 9d4b2e7f1c63
Create Date: 2026-12-06 12:00:00

"""

from alembic import op
from flask import current_app

from portal import full_text, rls

revision = "5e7a1c9d3b28"
down_revision = "9d4b2e7f1c63"
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        app_role = rls.migration_app_role(bind, current_app.config["SQLALCHEMY_DATABASE_URI"])
        for statement in full_text.postgres_statements(app_role):
            op.execute(statement)
        return
    for statement in full_text.sqlite_statements():
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in full_text.postgres_drop_statements():
            op.execute(statement)
        return
    for statement in full_text.sqlite_drop_statements():
        op.execute(statement)
