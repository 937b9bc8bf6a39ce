"""Keep the API's answers for retried requests: POSTs named by an Idempotency-Key.

A script that sends a POST again after a lost answer (a timeout, a dropped connection)
names both attempts with the same ``Idempotency-Key``; the portal answers the second
with what it answered the first, instead of creating the record twice. Each user's
keys and answers are kept a day in ``api_idempotency_keys``.

The table is walled like the rest (generation REPLAY_CACHE of the registry): a user
reads and writes only their own keys, in the application and, on PostgreSQL, in the
row-level security policies installed here (with the application role's grants on the
new table). The audit trail does not capture it: an answer is a copy of records the
trail records where they changed, and the keys come and go within a day.

Revision ID: 2bffea4c17b6
Revises: 6eedc139521e
Create Date: 2026-11-30 10:00:00

"""

import sqlalchemy as sa
from alembic import op
from flask import current_app

from portal import record_types, rls

revision = "2bffea4c17b6"
down_revision = "6eedc139521e"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_idempotency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("headers", sa.JSON(), nullable=True),
        sa.CheckConstraint(
            "(completed_at IS NULL AND status IS NULL AND body IS NULL)"
            " OR (completed_at IS NOT NULL AND status IS NOT NULL AND body IS NOT NULL)",
            name=op.f("ck_api_idempotency_keys_answer_complete"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_api_idempotency_keys_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_idempotency_keys")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_api_idempotency_keys_user_id_key")),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        app_role = rls.migration_app_role(bind, current_app.config["SQLALCHEMY_DATABASE_URI"])
        for statement in rls.install_statements(app_role, record_types.REPLAY_CACHE):
            op.execute(statement)


def downgrade():
    # Its policies and grants go with it; no other table's changed.
    op.drop_table("api_idempotency_keys")
