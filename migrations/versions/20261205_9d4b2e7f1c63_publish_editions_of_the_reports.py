"""Publish editions of the reports: frozen bytes, their hashes and signatures.

An administrator of the Secretariat publishes an adopted cycle's needs mapping report
(or a year's response mapping report). The edition's PDF and HTML are stored as they
were made, with the SHA-256 of each signed by the audit signing key; a withdrawn edition
stays, marked as withdrawn. Everyone reads the table, the signed out too (``/public``);
only the Secretariat's administrators write it (generation PUBLICATIONS). The trail
records each publication and withdrawal with the hashes, not the bytes.

A report too large to make while its reader waits is made by the worker and kept in
``report_files`` for that reader alone.

Revision ID: 9d4b2e7f1c63
Revises: 3a9f27c1d5e8
Create Date: 2026-12-05 12:00:00

"""

import sqlalchemy as sa
from alembic import op
from flask import current_app

from audit import triggers
from portal import record_types, rls

revision = "9d4b2e7f1c63"
down_revision = "3a9f27c1d5e8"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("html", sa.LargeBinary(), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("html_sha256", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("pdf_signature", sa.String(length=128), nullable=False),
        sa.Column("html_signature", sa.String(length=128), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('needs', 'responses')", name=op.f("ck_publications_kind")),
        sa.CheckConstraint(
            "status IN ('published', 'withdrawn')", name=op.f("ck_publications_status")
        ),
        sa.CheckConstraint(
            "status = 'published' OR (withdrawn_at IS NOT NULL AND withdrawal_reason IS NOT NULL)",
            name=op.f("ck_publications_withdrawal_recorded"),
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["cycles.id"], name=op.f("fk_publications_cycle_id_cycles")
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"], ["users.id"], name=op.f("fk_publications_published_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"], ["users.id"], name=op.f("fk_publications_withdrawn_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publications")),
    )
    op.create_index(
        "uq_publications_one_in_force",
        "publications",
        ["subject"],
        unique=True,
        sqlite_where=sa.text("status = 'published'"),
        postgresql_where=sa.text("status = 'published'"),
    )
    op.create_table(
        "report_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=60), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_report_files_actor_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_files")),
    )
    op.create_index(op.f("ix_report_files_actor_id"), "report_files", ["actor_id"])
    op.create_index(op.f("ix_report_files_job_id"), "report_files", ["job_id"])
    bind = op.get_bind()
    app_url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    for statement in rls.migration_install_statements(bind, app_url, record_types.PUBLICATIONS):
        op.execute(statement)
    declaration = record_types.REGISTRY.audit_declaration(record_types.PUBLICATIONS)
    for statement in triggers.install_statements(bind, declaration, only=("publications",)):
        op.execute(statement)


def downgrade():
    # Policies, grants and the capture trigger go with the tables.
    op.drop_index(op.f("ix_report_files_job_id"), table_name="report_files")
    op.drop_index(op.f("ix_report_files_actor_id"), table_name="report_files")
    op.drop_table("report_files")
    op.drop_index("uq_publications_one_in_force", table_name="publications")
    op.drop_table("publications")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_capture_publications()")
