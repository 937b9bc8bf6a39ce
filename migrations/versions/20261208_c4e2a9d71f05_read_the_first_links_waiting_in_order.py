"""Read the first rows of the dashboard's lists in their order, not sorted from all rows.

The dashboard lists the first ten links waiting for a partner's answer (the oldest
first), for the Secretariat the first ten confirmed links waiting for validation, and
an organisation's responses longest unchanged. A partner with 5,000 links waiting had
them all read and sorted for ten, and SQLite walked every response in the order of
their change to find a partner's (which has none); with the lists' order in the index,
the first ten are read (docs/benchmarks.md). The partner's index of links gains the
order and replaces the one without it.

Revision ID: c4e2a9d71f05
Revises: b81f0c2d6e93
Create Date: 2026-12-08 09:00:00

"""

from alembic import op

revision = "c4e2a9d71f05"
down_revision = "b81f0c2d6e93"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_support_links_need_tenant_id_status_created_at",
        "support_links",
        ["need_tenant_id", "status", "created_at", "id"],
    )
    op.create_index(
        "ix_support_links_status_confirmed_at", "support_links", ["status", "confirmed_at", "id"]
    )
    op.drop_index("ix_support_links_need_tenant_id_status", table_name="support_links")
    op.create_index(
        "ix_responses_tenant_id_updated_at", "responses", ["tenant_id", "updated_at", "id"]
    )


def downgrade():
    op.drop_index("ix_responses_tenant_id_updated_at", table_name="responses")
    op.create_index(
        "ix_support_links_need_tenant_id_status", "support_links", ["need_tenant_id", "status"]
    )
    op.drop_index("ix_support_links_status_confirmed_at", table_name="support_links")
    op.drop_index("ix_support_links_need_tenant_id_status_created_at", table_name="support_links")
