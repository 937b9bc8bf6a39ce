"""Authenticate each audit entry on SQLite, so entries written around the portal show.

SQLite has no roles: a process that can open the database file can define the functions
the capture triggers call and write audited tables under any actor it likes, or drop a
trigger and change a row with no entry at all. audit_entries gains a column ``mac``: on
SQLite the capture triggers (installed again here) and security events fill it with an
HMAC of the entry made with a key derived from the application's secret key, which
never enters the database (audit.mac); verification names entries without a valid one.
PostgreSQL leaves it NULL: there the capture functions are SECURITY DEFINER and the
application's role cannot write the trail.

Entries written before now have no MAC. When there are any, this migration records the
highest entry id of this moment on SQLite in an authenticated event,
``audit_macs_started``: an entry without a valid MAC at or below it is not reported, one
above it is (without the event, none is spared). It must therefore run through the
portal (iisg db upgrade), whose connections hold the key.

Revision ID: 51570abbf386
Revises: 71084d95a85e
Create Date: 2026-11-29 04:30:00

"""

import json

import sqlalchemy as sa
from alembic import op

from audit import mac, triggers
from portal import record_types

revision = "51570abbf386"
down_revision = "71084d95a85e"
branch_labels = None
depends_on = None


def _declaration():
    # What is audited did not change; the generation current when this was written.
    return record_types.REGISTRY.audit_declaration(record_types.LINK_COPIES)


def _record_the_start(bind) -> None:
    through = bind.execute(sa.text("SELECT max(id) FROM audit_entries")).scalar()
    if through is None:
        return  # nothing to spare: every entry must carry a MAC
    bind.execute(
        sa.text(triggers.sqlite_event_statement()),
        {
            "event": mac.STARTED_EVENT,
            "tenant": None,
            "details": json.dumps({mac.STARTED_THROUGH: through}),
        },
    )
    recorded = bind.execute(
        sa.text("SELECT mac FROM audit_entries WHERE event = :event ORDER BY id DESC LIMIT 1"),
        {"event": mac.STARTED_EVENT},
    ).scalar()
    if recorded is None:
        raise RuntimeError(
            "this connection has no key to authenticate audit entries with:"
            " run the migrations through the portal (iisg db upgrade)"
        )


def upgrade():
    bind = op.get_bind()
    op.add_column("audit_entries", sa.Column("mac", sa.String(length=80), nullable=True))
    if bind.dialect.name == "sqlite":
        for statement in triggers.install_statements(bind, _declaration()):
            op.execute(statement)
        _record_the_start(bind)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # SQLite drops no column that a trigger names: the capture goes first, and comes
        # back as it was before.
        for statement in triggers.uninstall_statements(bind, _declaration()):
            op.execute(statement)
    op.drop_column("audit_entries", "mac")
    if bind.dialect.name == "sqlite":
        for statement in triggers.install_statements(bind, _declaration()):
            op.execute(statement)
