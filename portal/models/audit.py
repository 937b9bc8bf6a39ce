"""The audit trail's tables, mapped for reading (the ``audit`` package owns and writes them)."""

from audit import tables
from portal.models.base import Base


class AuditEntry(Base):
    """One recorded change of one row, one truncation, or one security event."""

    __table__ = tables.entries

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id}>"


class ChainLink(Base):
    """The seal of one entry in its tenant's (or the platform's) hash chain."""

    __table__ = tables.chain_links


class Checkpoint(Base):
    """A signed statement of a chain's size and head hash."""

    __table__ = tables.checkpoints
