"""Give each need a stable code that people cite it by, e.g. 2026-AL-WBBSi-014.

A code is the cycle's year (the first year of its name), the partner economy, the pillar
and a three-digit number counting that economy's needs of that pillar in the cycle
(portal.need_codes). Existing needs are numbered in the order they were created (by id),
so every database gets the same codes for the same needs; the format is written out here
rather than imported, as this migration must keep producing what it produced today.

The codes are written after the audit capture of needs is installed again to include the
new column, so the trail records each need receiving its code. Then the column becomes
NOT NULL and unique per cycle. SQLite changes that by rebuilding the table, which drops
the triggers on it (the capture, and the one passing a need's changes on to its support
links) and, with foreign keys enforced, would delete every need's chapters and links as
the old table is dropped (ON DELETE CASCADE): foreign keys are off during the rebuild and
the triggers are installed again after it.

Revision ID: e3c9a7d15b42
Revises: b6e1f0a4c7d2
Create Date: 2026-11-28 09:00:00

"""

from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

from audit import triggers
from portal import link_ends, record_types

revision = "e3c9a7d15b42"
down_revision = "b6e1f0a4c7d2"
branch_labels = None
depends_on = None

_UNIQUE = "uq_needs_cycle_id_code"
_EXISTING_NEEDS = sa.text(
    "SELECT needs.id, needs.cycle_id, cycles.name, cycles.starts_on,"
    " coalesce(partner_economies.code, tenants.code), pillars.code"
    " FROM needs JOIN cycles ON cycles.id = needs.cycle_id"
    " JOIN tenants ON tenants.id = needs.tenant_id"
    " LEFT JOIN partner_economies ON partner_economies.id = tenants.economy_id"
    " JOIN pillars ON pillars.id = needs.pillar_id ORDER BY needs.id"
)


def _install_need_triggers(dialect: str) -> None:
    # What is audited of needs did not change (the new column is read from the table);
    # the declaration is the one of the generation current when this was written.
    declaration = record_types.REGISTRY.audit_declaration(record_types.LINK_COPIES)
    for statement in triggers.install_statements(op.get_bind(), declaration, only=("needs",)):
        op.execute(statement)
    if dialect == "sqlite":
        for statement in link_ends.install_statements(dialect):
            op.execute(statement)


@contextmanager
def _sqlite_rebuild():
    # Foreign keys can only be switched outside a transaction. Renaming the rebuilt copy
    # must not check other tables' triggers that name needs: it is gone at that moment.
    with op.get_context().autocommit_block():
        op.execute("PRAGMA foreign_keys = OFF")
    op.execute("PRAGMA legacy_alter_table = ON")
    try:
        yield
    finally:
        op.execute("PRAGMA legacy_alter_table = OFF")
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys = ON")


def _cycle_year(name: str, starts_on) -> str:
    named = name[:4]
    return named if named.isascii() and named.isdigit() else str(starts_on)[:4]


def _give_existing_needs_codes() -> None:
    connection = op.get_bind()
    counted: dict[tuple[int, str], int] = {}
    codes = []
    for need_id, cycle_id, cycle_name, starts_on, economy, pillar in connection.execute(
        _EXISTING_NEEDS
    ):
        prefix = f"{_cycle_year(cycle_name, starts_on)}-{economy}-{pillar}-"
        counted[cycle_id, prefix] = counted.get((cycle_id, prefix), 0) + 1
        codes.append({"id": need_id, "code": f"{prefix}{counted[cycle_id, prefix]:03d}"})
    if codes:
        connection.execute(sa.text("UPDATE needs SET code = :code WHERE id = :id"), codes)


def upgrade():
    dialect = op.get_bind().dialect.name
    op.add_column("needs", sa.Column("code", sa.String(length=60), nullable=True))
    _install_need_triggers(dialect)
    _give_existing_needs_codes()
    if dialect == "postgresql":
        op.alter_column("needs", "code", existing_type=sa.String(length=60), nullable=False)
        op.create_unique_constraint(_UNIQUE, "needs", ["cycle_id", "code"])
        return
    with _sqlite_rebuild():
        with op.batch_alter_table("needs", schema=None) as batch_op:
            batch_op.alter_column("code", existing_type=sa.String(length=60), nullable=False)
            batch_op.create_unique_constraint(_UNIQUE, ["cycle_id", "code"])
        _install_need_triggers(dialect)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.drop_constraint(_UNIQUE, "needs", type_="unique")
        op.drop_column("needs", "code")
        _install_need_triggers(dialect)
        return
    with _sqlite_rebuild():
        with op.batch_alter_table("needs", schema=None) as batch_op:
            batch_op.drop_constraint(_UNIQUE, type_="unique")
            batch_op.drop_column("code")
        _install_need_triggers(dialect)
