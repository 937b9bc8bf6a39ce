"""The portal's side of the audit chain: sealing, checkpoints, verification and export.

Each action opens its own connection from the portal's engine, acting as the system
(row-level security lets the sealer see and extend every chain), and commits its own
transaction, so it never mixes with a request's work. The ``audit`` package does the
work; this module only brings the configuration and tenant codes.

Every checkpoint, once committed, is also written outside the database: as an
``audit_checkpoint`` line of the log stream, and appended to the witness file
(``AUDIT_WITNESS_FILE``) when one is configured.

Every seal also compares the capture triggers installed with what the record-type
registry generates, and logs ``audit_capture_altered`` as an error when they differ; it
seals all the same (refusing would hide nothing and stop the chains). Verification
reports the difference, and on SQLite every entry without a valid MAC (``audit.mac``),
checked with keys derived from ``SECRET_KEY`` and ``AUDIT_PREVIOUS_SECRET_KEYS``.
"""

from __future__ import annotations

from contextlib import contextmanager

import structlog
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from audit import chain as audit_chain
from audit import checkpoints as audit_checkpoints
from audit import export as audit_export
from audit import mac as audit_mac
from audit import reconcile as audit_reconcile
from audit import triggers as audit_triggers
from audit import verify as audit_verify
from audit import witness as audit_witness
from audit.tables import PLATFORM_CHAIN
from portal import record_types
from portal.exceptions import NotFound
from portal.extensions import db
from portal.identity import apply_identity
from portal.models import Tenant
from portal.record_types import REGISTRY

log = structlog.get_logger("portal.audit")


@contextmanager
def _system_connection():
    with db.engine.begin() as connection:
        apply_identity(connection, None)
        yield connection


def chain_of_tenant(tenant_code: str | None) -> int:
    """Return the chain id of the tenant with ``tenant_code`` (None: the platform chain)."""
    if tenant_code is None:
        return PLATFORM_CHAIN
    with _system_connection() as connection:
        tenant_id = connection.execute(
            select(Tenant.id).where(Tenant.code == tenant_code.strip().upper())
        ).scalar()
    if tenant_id is None:
        raise NotFound(f"no organisation has the code {tenant_code!r}")
    return tenant_id


def mac_keys(config=None) -> dict[str, audit_mac.MacKey]:
    """Return the keys entry MACs are checked with: the secret key's, then earlier ones'."""
    config = current_app.config if config is None else config
    secrets = [config["SECRET_KEY"], *config.get("AUDIT_PREVIOUS_SECRET_KEYS", ())]
    return audit_mac.keys_from_secrets(secrets)


# What the generator makes of the tables, remembered for the process: a seal checks the
# capture with one query while the tables keep their shape.
_CAPTURE_CHECK = audit_triggers.CaptureCheck()


def capture_problems(connection=None) -> list[audit_triggers.InstalledProblem]:
    """Return every capture trigger, guard or function not as the registry generates it."""
    declaration = record_types.REGISTRY.audit_declaration()
    if connection is not None:
        return _CAPTURE_CHECK.problems(connection, declaration)
    with _system_connection() as own:
        return _CAPTURE_CHECK.problems(own, declaration)


def _seal(connection, chain_ids=None) -> audit_chain.SealResult:
    # The capture is checked at every seal; a difference is logged as an error and the
    # seal goes on: what was captured is still worth sealing, and verification fails.
    result = audit_chain.seal(connection, chain_ids=chain_ids)
    problems = capture_problems(connection)
    if problems:
        log.error(
            "audit_capture_altered",
            problems=[f"{item.trigger} on {item.table}: {item.detail}" for item in problems],
        )
    return result


def seal_pending() -> audit_chain.SealResult:
    """Seal every entry that can be sealed now, signing nothing."""
    with _system_connection() as connection:
        return _seal(connection)


def seal_and_sign() -> tuple[audit_chain.SealResult, list[audit_checkpoints.Checkpoint]]:
    """Seal every entry that can be sealed now, sign each chain it grew, witness them."""
    # Like the seal after a request, at the heads this seal left: a seal that signs
    # nothing leaves entries that only recomputable hashes vouch for.
    made = []
    with _system_connection() as connection:
        result = _seal(connection)
        if result.total:
            made = audit_checkpoints.checkpoint(
                connection, current_app.config["AUDIT_SIGNING_KEY"], sealed=result
            )
    witness(made)
    return result, made


def witness(made: list[audit_checkpoints.Checkpoint]) -> None:
    """Write committed checkpoints to the log stream and the witness file; never raise."""
    # Called after the commit: a witness holding a checkpoint the database rolled back
    # would later accuse an intact chain.
    for item in made:
        log.info("audit_checkpoint", **item.statement(), signature=item.signature)
    path = current_app.config.get("AUDIT_WITNESS_FILE")
    if not path or not made:
        return
    try:
        audit_witness.append(path, made)
    except OSError as error:
        # The change and its checkpoint are committed, and the log line above carries the
        # checkpoint: failing the request would lose nothing less than the witness did.
        log.error(
            "audit_witness_failed",
            path=str(path),
            error=str(error),
            chains=[item.chain for item in made],
        )


def make_checkpoints(chain_ids=None) -> list[audit_checkpoints.Checkpoint]:
    """Seal, then sign a checkpoint for every chain that grew since its last one."""
    with _system_connection() as connection:
        _seal(connection, chain_ids=chain_ids)
        made = audit_checkpoints.checkpoint(
            connection, current_app.config["AUDIT_SIGNING_KEY"], chain_ids
        )
    witness(made)
    return made


def _sign_what_is_owed(connection, result: audit_chain.SealResult, config) -> list:
    key = config["AUDIT_SIGNING_KEY"]
    every_entries = config["AUDIT_CHECKPOINT_EVERY_ENTRIES"]
    if every_entries == 1:
        # Every chain this seal grew, at the heads it left, without looking at the
        # others: a chain left unsigned by a bare ``iisg audit seal`` is signed the next
        # time it grows.
        return audit_checkpoints.checkpoint(connection, key, sealed=result)
    owed = audit_checkpoints.due(
        connection, every_entries, config["AUDIT_CHECKPOINT_EVERY_MINUTES"]
    )
    return audit_checkpoints.checkpoint(connection, key, owed) if owed else []


def seal_after_request() -> None:
    """Seal what the request wrote, sign the checkpoints that are due and witness them.

    Call it once the request's own session has ended its transaction (on SQLite an open
    read transaction would make the sealer wait for it). A failure is logged, never
    raised: the user's change is committed, and the next seal picks its entries up.
    """
    config = current_app.config
    made = []
    try:
        with _system_connection() as connection:
            result = _seal(connection)
            if not result.total:
                return
            made = _sign_what_is_owed(connection, result, config)
    except SQLAlchemyError as error:
        log.warning("audit_seal_failed", error=str(error).splitlines()[0])
        return
    witness(made)


def verify(
    tenant_code: str | None = None,
    progress=None,
    trusted_keys: dict | None = None,
    trusted_checkpoints=None,
):
    """Verify one tenant's chain (every chain for None), optionally with an auditor's keys."""
    chains = None if tenant_code is None else [chain_of_tenant(tenant_code)]
    with _system_connection() as connection:
        return audit_verify.verify(
            connection,
            chain_ids_to_check=chains,
            progress=progress,
            trusted_keys=trusted_keys,
            trusted_checkpoints=trusted_checkpoints,
            mac_keys=mac_keys(),
            declaration=record_types.REGISTRY.audit_declaration(),
        )


def tables_to_reconcile() -> int:
    """Return how many tables ``reconcile`` compares (for a progress bar)."""
    return len(REGISTRY.audit_declaration().audited)


def reconcile(progress=None) -> audit_reconcile.Reconciliation:
    """Compare every audited table with the trail: rows changed without an entry."""
    # As the system: row-level security would hide other tenants' rows, which would
    # then look removed.
    with _system_connection() as connection:
        return audit_reconcile.reconcile(connection, REGISTRY.audit_declaration(), progress)


def verify_chains(
    chain_ids, progress=None, trusted_keys: dict | None = None, trusted_checkpoints=None
):
    """Verify the chains with these ids (options as for ``verify``), and the capture."""
    with _system_connection() as connection:
        return audit_verify.verify(
            connection,
            chain_ids_to_check=list(chain_ids),
            progress=progress,
            trusted_keys=trusted_keys,
            trusted_checkpoints=trusted_checkpoints,
            mac_keys=mac_keys(),
            declaration=record_types.REGISTRY.audit_declaration(),
        )


def verify_chain(
    chain_id: int, progress=None, trusted_keys: dict | None = None, trusted_checkpoints=None
):
    """Verify one chain by its id (options as for ``verify``), and the capture."""
    return verify_chains([chain_id], progress, trusted_keys, trusted_checkpoints)


def positions_to_verify(tenant_code: str | None = None) -> int:
    """Return how many positions ``verify`` will check (for a progress bar)."""
    chains = None if tenant_code is None else [chain_of_tenant(tenant_code)]
    with _system_connection() as connection:
        return audit_verify.total_positions(connection, chains)


def export(tenant_code: str | None, path) -> int:
    """Write a tenant's chain (the platform chain for None) to ``path``; return its size."""
    # Sealed and signed first, and exported up to that checkpoint, so that a signature
    # covers the export's last entry: an export found unsigned has lost checkpoints on
    # the way. Signing commits on its own, so no sealer's lock is held while writing.
    chain_id = chain_of_tenant(tenant_code)
    make_checkpoints([chain_id])
    with _system_connection() as connection, open(path, "w", encoding="utf-8") as out_file:
        latest = audit_checkpoints.latest_checkpoints(connection, [chain_id]).get(chain_id)
        through = 0 if latest is None else latest.size
        return audit_export.export(connection, chain_id, out_file, through=through)


def public_key_pem() -> bytes:
    """Return the configured signing key's public half, PEM encoded."""
    return audit_checkpoints.public_key_pem(current_app.config["AUDIT_SIGNING_KEY"])
