"""Record the rows that predate the audit trail, as they stand, in a baseline.

The migration that made the schema loaded the reference lists (pillars, need
categories, perspectives, acquis chapters, economies) before the trail's capture
existed, so no entry names those rows. Reconciling the tables with the trail (iisg
audit verify --reconcile) could not tell them from rows written behind the trail's
back. Each audited row that no entry names gets one insert entry now, with the image,
key and tenant the capture would write and a reason saying it is a baseline.

On a database made by these migrations that is the reference lists and nothing else.
On an older database it is also any row written without the trail before this
upgrade: the baseline takes the tables as it finds them, and vouches only for what
happens after it.

Entries cannot be removed, so going down leaves the baseline in the trail; going up
again finds every row named and adds nothing.

Revision ID: 71084d95a85e
Revises: 7d2e4f6a8b10
Create Date: 2026-11-29 04:20:00

"""

from alembic import op

from audit import triggers
from portal import record_types

revision = "71084d95a85e"
down_revision = "7d2e4f6a8b10"
branch_labels = None
depends_on = None

REASON = (
    "baseline: the row was there before the audit trail recorded its table;"
    " recorded as it stood then"
)


def upgrade():
    # The tables audited when this was written, as the capture of that generation sees them.
    declaration = record_types.REGISTRY.audit_declaration(record_types.LINK_COPIES)
    for statement in triggers.baseline_statements(op.get_bind(), declaration, REASON):
        op.execute(statement)


def downgrade():
    pass
