"""Follow the background work people start: ``jobs``, with state, progress and a lease.

A job started from a page (an import, a report) is recorded before it goes on the queue;
the worker claims it for a while, reports its progress, and records its result. A job
whose worker stopped part-way is run again once its claim lapses. The table is walled
(generation TRACKED_JOBS of the registry): its starter reads and writes it, the
Secretariat's administrators read every one; the trail does not capture it.

Revision ID: 84e623ab9624
Revises: 0f82851666a5
Create Date: 2026-12-03 12:00:00

"""

import sqlalchemy as sa
from alembic import op
from flask import current_app

from portal import record_types, rls

revision = "84e623ab9624"
down_revision = "0f82851666a5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("arguments", sa.JSON(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'succeeded', 'failed')",
            name=op.f("ck_jobs_known_status"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_jobs_actor_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_index(op.f("ix_jobs_actor_id"), "jobs", ["actor_id"])
    app_url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    generation = record_types.TRACKED_JOBS
    for statement in rls.migration_install_statements(op.get_bind(), app_url, generation):
        op.execute(statement)


def downgrade():
    # Its policies and grants go with it; no other table's changed.
    op.drop_index(op.f("ix_jobs_actor_id"), table_name="jobs")
    op.drop_table("jobs")
