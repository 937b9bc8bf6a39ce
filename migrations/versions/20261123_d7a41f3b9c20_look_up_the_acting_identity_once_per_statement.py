"""Look up the acting identity once per statement in the row-level security policies.

The policies called iisg_tenant() and its kin for every row they checked; written as
scalar subqueries, PostgreSQL evaluates each once per statement (an InitPlan). The
responses policy asks whether the viewer's economy benefits with an uncorrelated IN,
hashed once, instead of an EXISTS run per response. The rules are unchanged; counting
100,000 needs gets about ten times faster, the coverage matrix about five. Generated from
the record-type registry, as the policies were first installed. SQLite: nothing to do.

Revision ID: d7a41f3b9c20
Revises: ad43cf7de25b
Create Date: 2026-11-23 22:20:00

"""

from alembic import op
from flask import current_app

from portal import record_types, rls

revision = "d7a41f3b9c20"
down_revision = "ad43cf7de25b"
branch_labels = None
depends_on = None


def _app_role() -> str | None:
    return rls.migration_app_role(op.get_bind(), current_app.config["SQLALCHEMY_DATABASE_URI"])


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in rls.install_statements(_app_role(), record_types.IDENTITY_ONCE):
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in rls.install_statements(_app_role(), record_types.AUDIT_CAPTURE):
        op.execute(statement)
