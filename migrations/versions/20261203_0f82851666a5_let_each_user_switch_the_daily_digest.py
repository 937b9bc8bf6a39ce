"""Let each user switch the daily digest off: users gain ``digests``, on by default.

The worker mails each user a daily digest of what waits for them (needs to validate,
returned needs, links to confirm or validate, invitations about to expire). Everyone
starts with it on; the account page switches it.

SQLite's capture triggers list the columns of the table they watch, so the capture of
``users`` is installed again to record the new column; what is audited of the table
did not change.

Revision ID: 0f82851666a5
Revises: 1405803d179f
Create Date: 2026-12-03 11:00:00

"""

import sqlalchemy as sa
from alembic import op

from audit import triggers
from portal import record_types

revision = "0f82851666a5"
down_revision = "1405803d179f"
branch_labels = None
depends_on = None


def _capture_statements(bind) -> list[str]:
    # The generation current when this was written.
    declaration = record_types.REGISTRY.audit_declaration(record_types.UPDATE_OWN_ROWS)
    return triggers.install_statements(bind, declaration, only=("users",))


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.add_column(
            "users", sa.Column("digests", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        return
    op.execute("ALTER TABLE users ADD COLUMN digests BOOLEAN DEFAULT 1 NOT NULL")
    for statement in _capture_statements(bind):
        op.execute(statement)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.drop_column("users", "digests")
        return
    for statement in _capture_statements(bind):
        if statement.startswith("DROP TRIGGER"):
            op.execute(statement)
    op.execute("ALTER TABLE users DROP COLUMN digests")
    for statement in _capture_statements(bind):
        op.execute(statement)
