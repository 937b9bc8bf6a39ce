"""Checkpoints: signed statements of each chain's size and head, keys recorded and rotated."""

from __future__ import annotations

import secrets

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from structlog.testing import capture_logs

from audit import tables
from audit.chain import chain_heads, seal
from audit.checkpoints import GENESIS_CHECKPOINT, checkpoint, due, key_id, private_key
from portal import audit_trail
from portal.config import Config, StartupError
from portal.identity import apply_identity
from tests.audit.chain_support import change_need, system_connection, tenant_with_history

checkpoints = tables.checkpoints
signing_keys = tables.signing_keys


def test_a_checkpoint_signs_each_chains_size_and_head(app, db):
    chain_id, _ = tenant_with_history(updates=2)
    db.session.remove()

    made = {item.chain: item for item in audit_trail.make_checkpoints()}

    signed = made[chain_id]
    with system_connection() as connection:
        head = chain_heads(connection, [chain_id])[chain_id]
        recorded = connection.execute(select(signing_keys)).one()
    assert (signed.sequence, signed.size, signed.head_hash) == (1, 4, head.hash.hex())
    assert signed.previous_hash == GENESIS_CHECKPOINT
    public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(recorded.public_key))
    public.verify(bytes.fromhex(signed.signature), signed.statement_bytes())  # raises if bad
    assert signed.key_id == recorded.key_id == key_id(public)
    assert key_id(private_key(app.config["AUDIT_SIGNING_KEY"]).public_key()) == signed.key_id


def test_checkpoints_follow_each_other_and_skip_chains_that_did_not_grow(db):
    chain_id, need_id = tenant_with_history(updates=1)
    db.session.remove()
    first = {item.chain: item for item in audit_trail.make_checkpoints()}[chain_id]

    assert audit_trail.make_checkpoints() == []
    change_need(need_id, "Green border")
    db.session.remove()
    (second,) = audit_trail.make_checkpoints()

    assert (second.chain, second.sequence, second.size) == (chain_id, 2, first.size + 1)
    assert second.previous_hash == first.digest()


def test_a_new_key_gets_a_new_id_and_old_checkpoints_keep_verifying(app, db):
    chain_id, need_id = tenant_with_history(updates=1)
    db.session.remove()
    old = {item.chain: item for item in audit_trail.make_checkpoints()}[chain_id]
    app.config["AUDIT_SIGNING_KEY"] = secrets.token_bytes(32)
    change_need(need_id, "Green border")
    db.session.remove()

    (new,) = audit_trail.make_checkpoints()

    assert new.key_id != old.key_id
    with system_connection() as connection:
        recorded = set(connection.execute(select(signing_keys.c.key_id)).scalars())
    assert recorded == {old.key_id, new.key_id}
    assert audit_trail.verify().intact


def test_checkpoints_are_due_after_enough_entries_or_enough_time(db):
    chain_id, need_id = tenant_with_history(updates=3)
    db.session.remove()
    audit_trail.seal_pending()

    with system_connection() as connection:
        assert chain_id in due(connection, every_entries=5, every_minutes=60)
        assert chain_id not in due(connection, every_entries=6, every_minutes=60)
        assert chain_id in due(connection, every_entries=6, every_minutes=0)
    audit_trail.make_checkpoints()
    with system_connection() as connection:
        assert due(connection, every_entries=1, every_minutes=0) == []


def test_sealing_after_a_request_signs_the_checkpoints_that_are_due(app, db):
    app.config["AUDIT_CHECKPOINT_EVERY_ENTRIES"] = 4
    chain_id, need_id = tenant_with_history(updates=1)
    db.session.remove()

    audit_trail.seal_after_request()

    with system_connection() as connection:
        signed = dict(connection.execute(select(checkpoints.c.chain_id, checkpoints.c.size)).all())
    # The tenant's three entries are not yet worth a checkpoint; two more are.
    assert chain_id not in signed
    change_need(need_id, "Green border")
    db.session.remove()
    audit_trail.seal_after_request()
    with system_connection() as connection:
        signed = dict(connection.execute(select(checkpoints.c.chain_id, checkpoints.c.size)).all())
    assert signed[chain_id] == 4


def test_sealing_and_signing_belong_to_the_callers_transaction(db, app):
    tenant_with_history(updates=1)
    db.session.remove()
    with db.engine.connect() as connection:
        apply_identity(connection, None)
        seal(connection)
        made = checkpoint(connection, app.config["AUDIT_SIGNING_KEY"])
        connection.rollback()

    assert made
    with system_connection() as connection:
        assert connection.execute(select(checkpoints)).all() == []
        assert connection.execute(select(tables.chain_links)).all() == []


def test_checkpoint_intervals_come_from_the_environment(tmp_path):
    environment = {
        "IISG_AUDIT_CHECKPOINT_EVERY_ENTRIES": "250",
        "IISG_AUDIT_CHECKPOINT_EVERY_MINUTES": "15",
    }

    settings = Config.from_environment(environment, tmp_path)

    assert settings["AUDIT_CHECKPOINT_EVERY_ENTRIES"] == 250
    assert settings["AUDIT_CHECKPOINT_EVERY_MINUTES"] == 15
    assert Config.from_environment({}, tmp_path)["AUDIT_CHECKPOINT_EVERY_ENTRIES"] == 1


@pytest.mark.parametrize("value", ["0", "-5", "ten", "1.5"])
def test_a_checkpoint_interval_that_cannot_work_stops_start_up(tmp_path, value):
    with pytest.raises(StartupError, match="IISG_AUDIT_CHECKPOINT_EVERY_MINUTES"):
        Config.from_environment({"IISG_AUDIT_CHECKPOINT_EVERY_MINUTES": value}, tmp_path)


def test_a_failed_seal_after_a_request_is_logged_not_raised(app, db, monkeypatch):
    def locked(connection, **_options):
        raise OperationalError("seal", {}, Exception("database is locked"))

    monkeypatch.setattr(audit_trail.audit_chain, "seal", locked)

    with capture_logs() as logged:
        audit_trail.seal_after_request()

    assert [entry["event"] for entry in logged] == ["audit_seal_failed"]
