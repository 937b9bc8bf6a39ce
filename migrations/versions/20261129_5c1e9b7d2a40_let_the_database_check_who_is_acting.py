"""Let the database check who is acting: the portal signs the identity it sends.

Row-level security and the capture triggers trusted the transaction-local settings
that name who acts, which any client holding the application role's password can set:
``iisg.mode = 'system'`` read every tenant's rows, ``audit.actor_*`` recorded a change
as anyone's, ``audit.strict = 'off'`` lifted strict mode, and ``audit_record_event``
wrote events into any tenant's chain. Now the portal signs those settings
(portal.db_identity) and PostgreSQL checks the signature with a key kept in a table only
the schema owner can read: the identity lookups of the policies (generation
SIGNED_IDENTITY of the registry), the capture triggers' actor, strict mode (now kept in
that table) and the events all go through the check. The tables every tenant reads in
full (organisations, reference lists, cycles) are written only by a signed identity
too: an organisation's kind and economy are part of what the portal signs. SQLite has
no roles: nothing changes there.

Revision ID: 5c1e9b7d2a40
Revises: 1a00c20f381a
Create Date: 2026-11-29 03:30:00

"""

from alembic import op
from flask import current_app

from audit import triggers
from portal import db_identity, record_types, rls

revision = "5c1e9b7d2a40"
down_revision = "1a00c20f381a"
branch_labels = None
depends_on = None


def _app_role() -> str | None:
    return rls.migration_app_role(op.get_bind(), current_app.config["SQLALCHEMY_DATABASE_URI"])


def _install(generation: int) -> None:
    declaration = record_types.REGISTRY.audit_declaration(generation)
    for statement in rls.install_statements(_app_role(), generation):
        op.execute(statement)
    for statement in triggers.postgres_common_statements(declaration):
        op.execute(statement)


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for statement in db_identity.install_statements():
        op.execute(statement)
    db_identity.store(
        bind,
        db_identity.key_of(current_app.config),
        strict=bool(current_app.config.get("AUDIT_STRICT")),
    )
    _install(record_types.SIGNED_IDENTITY)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    _install(record_types.LINK_COPIES)
    for statement in rls.shared_uninstall_statements(record_types.LINK_COPIES):
        op.execute(statement)
    for statement in db_identity.uninstall_statements():
        op.execute(statement)
