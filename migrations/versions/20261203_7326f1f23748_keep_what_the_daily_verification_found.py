"""Keep what the worker's daily verification of the audit trail found.

The worker (`iisg worker`) verifies every chain and the capture once a day and keeps
each run's outcome in ``audit_verifications``, so that the dashboard of the
Secretariat's auditors and administrators can name a broken chain. The table is walled
like the rest (generation SCHEDULED_VERIFICATION of the registry): they read it, only
the system writes it. The trail does not capture it.

Revision ID: 7326f1f23748
Revises: e214821739f7
Create Date: 2026-12-03 09:00:00

"""

import sqlalchemy as sa
from alembic import op
from flask import current_app

from portal import record_types, rls

revision = "7326f1f23748"
down_revision = "e214821739f7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("chains", sa.Integer(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("trigger", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_verifications")),
    )
    app_url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    generation = record_types.SCHEDULED_VERIFICATION
    for statement in rls.migration_install_statements(op.get_bind(), app_url, generation):
        op.execute(statement)


def downgrade():
    # Its policies and grants go with it; no other table's changed.
    op.drop_table("audit_verifications")
