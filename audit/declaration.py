"""How an application declares what the audit trail captures.

One declaration lists every table: audited ones say whose data a row is (which tenant's
chain it joins), which columns hold secrets (recorded as changed, value redacted) and
which are bookkeeping (a change to them alone is not worth an entry) and which are
derived copies of other rows' columns (left out of the images); exempt ones give the
reason. The trigger generators in ``audit.triggers`` read nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class OwnColumn:
    """The row names its tenant in one of its own columns."""

    column: str = "tenant_id"


@dataclass(frozen=True)
class ParentRow:
    """The row belongs to the tenant of a parent row it refers to."""

    table: str
    foreign_key: str
    tenant_column: str = "tenant_id"
    key: str = "id"


@dataclass(frozen=True)
class Platform:
    """Platform data, shared by every tenant: it joins the platform chain."""


PLATFORM = Platform()
TenantRule = OwnColumn | ParentRow | Platform


@dataclass(frozen=True)
class Audited:
    """A table whose every change is recorded."""

    table: str
    tenant: TenantRule
    # Secrets: an entry says the column changed, never what it holds.
    redacted: tuple[str, ...] = ()
    # Bookkeeping: a change to these columns alone writes no entry (``why`` says why).
    bookkeeping: tuple[str, ...] = ()
    # Derived: copies of other rows' columns, kept by the database itself. They are left
    # out of the row images altogether: where they come from is audited where it changes.
    derived: tuple[str, ...] = ()
    why: str = ""

    def __post_init__(self):
        if (self.bookkeeping or self.derived) and not self.why:
            raise ValueError(f"{self.table}: bookkeeping and derived columns need a reason")


@dataclass(frozen=True)
class Exempt:
    """A table deliberately left out of the trail, and why."""

    table: str
    why: str


@dataclass(frozen=True)
class Declaration:
    """Every table of a database, audited or exempt."""

    audited: tuple[Audited, ...]
    exempt: tuple[Exempt, ...] = field(default=())
    # Whether the database checks who is acting (PostgreSQL): the installer then provides
    # ``audit_identity_verified()``, ``audit_strict_required()`` and
    # ``audit_event_permitted(integer)``, and the trail trusts the actor only when the
    # first says the identity is the application's (see ``audit.triggers``).
    checked_identity: bool = False

    def __post_init__(self):
        names = [item.table for item in (*self.audited, *self.exempt)]
        duplicates = {name for name in names if names.count(name) > 1}
        if duplicates:
            raise ValueError(f"tables declared twice: {sorted(duplicates)}")

    @property
    def tables(self) -> frozenset[str]:
        """Return the names of every declared table."""
        return frozenset(item.table for item in (*self.audited, *self.exempt))

    def audited_table(self, name: str) -> Audited:
        """Return the declaration of the audited table ``name``."""
        for item in self.audited:
            if item.table == name:
                return item
        raise KeyError(name)
