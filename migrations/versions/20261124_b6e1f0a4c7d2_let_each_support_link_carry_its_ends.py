"""Let each support link carry its ends' columns, so its visibility is a test of its own row.

A link is readable when its need and its response both are. The row-level security
policy asked that by listing every need and response the viewer may read, for every
statement touching links, which on 100,000 of each took most of the coverage matrix's
time. Now each link keeps copies of the columns visibility and the analysis depend on
(the need's tenant, cycle, status and pillar; the response's tenant, record status, visibility
and implementation status), written by triggers from portal.link_ends on both databases;
the policy and the application's criteria test those. An index on (cycle, status)
covering them serves the analysis, one on (need's owner, status) a partner's dashboard,
and on PostgreSQL the needs' index on (cycle, status)
now covers what the analysis groups by, so the matrix reads both from indexes alone. The audit trail leaves the copies out (derived
columns), so its capture of links is installed again first.

Revision ID: b6e1f0a4c7d2
Revises: d7a41f3b9c20
Create Date: 2026-11-24 00:40:00

"""

import sqlalchemy as sa
from alembic import op
from flask import current_app

from audit import triggers
from audit.declaration import Declaration
from portal import link_ends, record_types, rls

revision = "b6e1f0a4c7d2"
down_revision = "d7a41f3b9c20"
branch_labels = None
depends_on = None

_INDEX = "ix_support_links_need_cycle_id_status"
_PARTNER_INDEX = "ix_support_links_need_tenant_id_status"
_NEEDS_INDEX = "ix_needs_cycle_status"
_NEEDS_COVERED = ["id", "tenant_id", "pillar_id", "category_id"]
_TEXT_COPIES = {
    "need_status",
    "response_record_status",
    "response_visibility",
    "response_implementation_status",
}


def _app_role() -> str | None:
    return rls.migration_app_role(op.get_bind(), current_app.config["SQLALCHEMY_DATABASE_URI"])


def _install_link_capture(declaration: Declaration) -> None:
    for statement in triggers.install_statements(
        op.get_bind(), declaration, only=("support_links",)
    ):
        op.execute(statement)


def upgrade():
    dialect = op.get_bind().dialect.name
    for column in link_ends.COPIED_COLUMNS:
        kind = sa.String(length=20) if column in _TEXT_COPIES else sa.Integer()
        op.add_column("support_links", sa.Column(column, kind, nullable=True))
    _install_link_capture(record_types.REGISTRY.audit_declaration(record_types.LINK_COPIES))
    for statement in link_ends.install_statements(dialect):
        op.execute(statement)
    op.execute(link_ends.backfill_statement())
    op.create_index(
        _INDEX,
        "support_links",
        ["need_cycle_id", "status"],
        unique=False,
        postgresql_include=[
            "need_id",
            "coverage",
            "response_id",
            *(column for column in link_ends.COPIED_COLUMNS if column != "need_cycle_id"),
        ],
    )
    op.create_index(_PARTNER_INDEX, "support_links", ["need_tenant_id", "status"])
    if dialect == "postgresql":
        op.drop_index(_NEEDS_INDEX, table_name="needs")
        op.create_index(
            _NEEDS_INDEX, "needs", ["cycle_id", "status"], postgresql_include=_NEEDS_COVERED
        )
        for statement in rls.install_statements(_app_role(), record_types.LINK_COPIES):
            op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        # The earlier policies first: the current ones depend on the copied columns.
        for statement in rls.install_statements(_app_role(), record_types.IDENTITY_ONCE):
            op.execute(statement)
        op.drop_index(_NEEDS_INDEX, table_name="needs")
        op.create_index(_NEEDS_INDEX, "needs", ["cycle_id", "status"])
    for statement in link_ends.uninstall_statements(dialect):
        op.execute(statement)
    with op.batch_alter_table("support_links", schema=None) as batch_op:
        batch_op.drop_index(_INDEX)
        batch_op.drop_index(_PARTNER_INDEX)
        for column in link_ends.COPIED_COLUMNS:
            batch_op.drop_column(column)
    # SQLite rebuilt the table without its triggers; PostgreSQL's capture named the copies.
    _install_link_capture(record_types.REGISTRY.audit_declaration(record_types.IDENTITY_ONCE))
