"""Freeze adopted needs and closed cycles in the database itself, whoever writes.

Row-level security lets a partner's editors update and delete their own needs, also
adopted ones: the freeze of an adopted cycle rested on the portal's policies alone.
Triggers from portal.freeze now refuse any change to an adopted need, and any change
to an adopted or archived cycle but the move from adopted to archived, on both
databases. Nothing the portal does is refused: adoption updates validated needs, and
archiving changes only the cycle.

Revision ID: 1a00c20f381a
Revises: e3c9a7d15b42
Create Date: 2026-11-29 01:30:00

"""

from alembic import op

from portal import freeze

revision = "1a00c20f381a"
down_revision = "e3c9a7d15b42"
branch_labels = None
depends_on = None


def upgrade():
    for statement in freeze.install_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade():
    for statement in freeze.uninstall_statements(op.get_bind().dialect.name):
        op.execute(statement)
