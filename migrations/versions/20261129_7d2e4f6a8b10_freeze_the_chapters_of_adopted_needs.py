"""Freeze the acquis chapters an adopted need names, as its own row already is.

The freeze of adopted needs (1a00c20f381a) refused changes to the need's row, but the
chapters it names live in need_acquis_chapters, which a partner's editor could still
change in SQL. Triggers from portal.freeze now refuse changing or removing a chapter
of an adopted need, on both databases (adding one is not refused: a need can be
recorded as adopted together with its chapters).

Revision ID: 7d2e4f6a8b10
Revises: 5c1e9b7d2a40
Create Date: 2026-11-29 04:05:00

"""

from alembic import op

from portal import freeze

revision = "7d2e4f6a8b10"
down_revision = "5c1e9b7d2a40"
branch_labels = None
depends_on = None


def upgrade():
    for statement in freeze.chapter_install_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade():
    for statement in freeze.chapter_uninstall_statements(op.get_bind().dialect.name):
        op.execute(statement)
