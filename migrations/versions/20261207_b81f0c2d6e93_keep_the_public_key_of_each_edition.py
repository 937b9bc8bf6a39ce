"""Keep the public half of the key each edition was signed with: publications gain
``public_key``.

After the audit signing key is rotated, the public page still offers the key that
signed each earlier edition, so that a downloaded copy can be checked. Editions
published before this revision keep none: the page offers the key configured now, and
the Secretariat's auditors find every key that signed checkpoints in
``audit_signing_keys``.

SQLite's capture triggers list the columns of the table they watch, so the capture of
``publications`` is installed again to record the new column.

Revision ID: b81f0c2d6e93
Revises: 5e7a1c9d3b28
Create Date: 2026-12-07 10:00:00

"""

import sqlalchemy as sa
from alembic import op

from audit import triggers
from portal import record_types

revision = "b81f0c2d6e93"
down_revision = "5e7a1c9d3b28"
branch_labels = None
depends_on = None


def _capture_statements(bind) -> list[str]:
    # The generation current when this was written.
    declaration = record_types.REGISTRY.audit_declaration(record_types.PUBLICATIONS)
    return triggers.install_statements(bind, declaration, only=("publications",))


def upgrade():
    bind = op.get_bind()
    op.add_column("publications", sa.Column("public_key", sa.String(length=64), nullable=True))
    if bind.dialect.name == "sqlite":
        for statement in _capture_statements(bind):
            op.execute(statement)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.drop_column("publications", "public_key")
        return
    for statement in _capture_statements(bind):
        if statement.startswith("DROP TRIGGER"):
            op.execute(statement)
    op.execute("ALTER TABLE publications DROP COLUMN public_key")
    for statement in _capture_statements(bind):
        op.execute(statement)
