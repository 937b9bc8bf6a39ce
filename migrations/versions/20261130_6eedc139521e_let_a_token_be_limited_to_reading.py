"""Let an API token be limited to reading: each token gains a scope, read or write.

A token with the scope ``read`` may only read through the API; one with ``write`` may
also change records. Every token made before now could change records, so each becomes
``write``: the column's default fills them, and stays the database's default (the portal
always names the scope). A CHECK keeps the column to the two scopes.

SQLite's capture triggers list the columns of the table they watch, so the capture of
``api_tokens`` is installed again to record the new column; what is audited of the
table did not change. SQLite adds the column and its CHECK in one ALTER TABLE; it drops
no column a trigger names, so going down the capture goes first and comes back after.

Revision ID: 6eedc139521e
Revises: 51570abbf386
Create Date: 2026-11-30 09:00:00

"""

import sqlalchemy as sa
from alembic import op

from audit import triggers
from portal import record_types

revision = "6eedc139521e"
down_revision = "51570abbf386"
branch_labels = None
depends_on = None

_CHECK = "ck_api_tokens_scope"
_SCOPES = "scope IN ('read', 'write')"


def _capture_statements(bind) -> list[str]:
    # The generation current when this was written.
    declaration = record_types.REGISTRY.audit_declaration(record_types.SIGNED_IDENTITY)
    return triggers.install_statements(bind, declaration, only=("api_tokens",))


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.add_column(
            "api_tokens",
            sa.Column("scope", sa.String(length=5), server_default="write", nullable=False),
        )
        op.create_check_constraint(op.f(_CHECK), "api_tokens", _SCOPES)
        return
    op.execute(
        "ALTER TABLE api_tokens ADD COLUMN scope VARCHAR(5) DEFAULT 'write' NOT NULL"
        f" CONSTRAINT {_CHECK} CHECK ({_SCOPES})"
    )
    for statement in _capture_statements(bind):
        op.execute(statement)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.drop_constraint(op.f(_CHECK), "api_tokens", type_="check")
        op.drop_column("api_tokens", "scope")
        return
    for statement in _capture_statements(bind):
        if statement.startswith("DROP TRIGGER"):
            op.execute(statement)
    op.execute("ALTER TABLE api_tokens DROP COLUMN scope")
    for statement in _capture_statements(bind):
        op.execute(statement)
