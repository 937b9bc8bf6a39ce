"""Keep the files people upload to import, and what their dry runs found.

An upload is kept as sent, so the worker can check a large one and applying it repeats
the dry run against the data as it is then. The table is walled (generation IMPORTS of
the registry): its uploader reads and writes it, the Secretariat's administrators read
every one; the trail does not capture it (what an import changes is recorded on the
records it changes). An import finds the records its rows name by need code and by
response reference: both are indexed.

Revision ID: 3a9f27c1d5e8
Revises: ee96fc3c0420
Create Date: 2026-12-04 12:00:00

"""

import sqlalchemy as sa
from alembic import op
from flask import current_app

from portal import record_types, rls

revision = "3a9f27c1d5e8"
down_revision = "ee96fc3c0420"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("file_format", sa.String(length=10), nullable=False),
        sa.Column("encoding", sa.String(length=20), nullable=True),
        sa.Column("default_pillar", sa.String(length=20), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("outcome", sa.JSON(), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('needs', 'responses', 'links')", name=op.f("ck_imports_kind")),
        sa.CheckConstraint(
            "status IN ('checking', 'checked', 'applying', 'applied')",
            name=op.f("ck_imports_status"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_imports_actor_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
    )
    op.create_index(op.f("ix_imports_actor_id"), "imports", ["actor_id"])
    op.create_index("ix_needs_code", "needs", ["code"])
    op.create_index("ix_responses_external_reference", "responses", ["external_reference"])
    app_url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    generation = record_types.IMPORTS
    for statement in rls.migration_install_statements(op.get_bind(), app_url, generation):
        op.execute(statement)


def downgrade():
    op.drop_index("ix_responses_external_reference", table_name="responses")
    op.drop_index("ix_needs_code", table_name="needs")
    op.drop_index(op.f("ix_imports_actor_id"), table_name="imports")
    op.drop_table("imports")
