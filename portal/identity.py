"""Who is acting: the principal queries are scoped to, and the actor the trail records.

Both are set by one call (``act_as`` for a signed-in user or an API token,
``act_as_system`` for the command line and anonymous requests), so no caller can set
one half and forget the other. The database learns them at the start of every
transaction (PostgreSQL: transaction-local settings read by the row-level security
policies and the capture triggers), and again when they change part-way through one.
"""

from __future__ import annotations

import getpass
from contextvars import ContextVar
from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from audit import context as audit_context
from audit.tables import entries as trail_entries
from portal import db_identity
from portal.extensions import db


@dataclass(frozen=True)
class Principal:
    """Who is acting: a user of a tenant, with roles."""

    user_id: int
    tenant_id: int
    tenant_kind: str
    economy_id: int | None
    roles: frozenset[str]

    @classmethod
    def of(cls, user) -> Principal:
        """Return the principal acting as ``user``."""
        return cls(
            user_id=user.id,
            tenant_id=user.tenant_id,
            tenant_kind=user.tenant.kind,
            economy_id=user.tenant.economy_id,
            roles=user.roles,
        )

    @property
    def in_secretariat(self) -> bool:
        return self.tenant_kind == "secretariat"

    def has(self, role: str) -> bool:
        """Return whether the principal holds ``role``."""
        return role in self.roles


_principal: ContextVar[Principal | None] = ContextVar("principal", default=None)

# The most of a label the trail keeps: an address alone may be longer (254 characters).
LONGEST_LABEL = trail_entries.c.actor_label.type.length


def current_principal() -> Principal | None:
    """Return the principal of the current request, or None for the system."""
    return _principal.get()


def act_as(user, *, kind: str = "user", label: str | None = None) -> Principal:
    """Make ``user`` the one every following query is scoped to and every change names."""
    principal = Principal.of(user)
    audit_context.bind(
        notify=False,
        actor_id=user.id,
        actor_kind=kind,
        # Longer, and PostgreSQL would refuse the change the label came with.
        actor_label=(label or user.email)[:LONGEST_LABEL],
        actor_tenant_id=user.tenant_id,
    )
    _become(principal)
    return principal


def act_as_principal(principal: Principal | None) -> None:
    """Scope the following queries to ``principal`` (None: the system), keeping the actor.

    For tests and benchmarks that judge visibility alone; requests use ``act_as``.
    """
    _become(principal)


def act_as_system(label: str, **circumstances) -> None:
    """Make the system the actor: unscoped queries, changes recorded with ``label``."""
    audit_context.bind(
        notify=False,
        actor_id=None,
        actor_kind="system",
        actor_label=label[:LONGEST_LABEL],
        actor_tenant_id=None,
        **circumstances,
    )
    _become(None)


def act_from_command_line(command: str) -> None:
    """Record the following changes as made by the system, run from the command line."""
    try:
        account = getpass.getuser()
    except (KeyError, OSError):
        account = "unknown"
    act_as_system(f"{account}: iisg {command}")


def forget() -> None:
    """Drop the principal and the actor at the end of a request, touching no database."""
    _principal.set(None)
    audit_context.clear()


def _become(principal: Principal | None) -> None:
    _principal.set(principal)
    _tell_open_transaction()


def _tell_open_transaction() -> None:
    # PostgreSQL learns who acts at each transaction's start; one already open (the
    # sign-in lookup's, or a change of reason part-way through) is told again.
    if not has_app_context():
        return
    session = db.session()
    if session.in_transaction():
        apply_identity(session.connection(), current_principal())


audit_context.on_change(_tell_open_transaction)

# The transaction-local settings the row-level security policies read (``iisg.*``).
_SETTING_NAMES = {
    "mode": "mode",
    "tenant": "tenant_id",
    "user": "user_id",
    "economy": "economy_id",
    "kind": "tenant_kind",
    "roles": "roles",
}


def identity_parameters(principal: Principal | None) -> dict[str, str]:
    """Return the settings that tell the policies who is acting."""
    if principal is None:
        return {"mode": "system", "tenant": "", "user": "", "economy": "", "kind": "", "roles": ""}
    return {
        "mode": "principal",
        "tenant": str(principal.tenant_id),
        "user": str(principal.user_id),
        "economy": "" if principal.economy_id is None else str(principal.economy_id),
        "kind": principal.tenant_kind,
        "roles": ",".join(sorted(principal.roles)),
    }


def apply_identity(connection, principal: Principal | None) -> None:
    """Set the acting identity on a PostgreSQL connection, for its current transaction.

    The audit trail's context (who acts, from where, in which request) goes in the same
    statement, signed with the portal's identity key: one round trip per transaction for
    both, after the one asking which transaction it is (the signature names it). SQLite
    asks the functions registered on each connection instead (``portal.auditing``).
    """
    if connection.dialect.name == "postgresql":
        identity = identity_parameters(principal)
        settings = {f"iisg.{_SETTING_NAMES[name]}": value for name, value in identity.items()}
        settings.update(audit_context.postgres_settings())
        if has_app_context():
            # Signed, so that the database believes it (portal.db_identity).
            settings = db_identity.sign(
                connection, db_identity.key_of(current_app.config), settings
            )
        connection.execute(*audit_context.set_config_statement(settings))


@event.listens_for(Session, "after_begin")
def _identify_transaction(session, transaction, connection) -> None:
    apply_identity(connection, current_principal())
