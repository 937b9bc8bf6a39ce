"""The ``iisg audit`` commands: seal, checkpoint, verify, export, offline verify, public key."""

from __future__ import annotations

import json

from sqlalchemy import delete, func, select, update

from audit import tables
from audit.chain import chain_heads
from portal import audit_trail
from portal.extensions import db
from tests.audit.chain_support import (
    as_owner,
    authenticate_anew,
    chain_links,
    change_need,
    recompute_chain,
    tenant_with_history,
)


def sealed_and_signed(runner):
    chain_id, _ = tenant_with_history(updates=3)
    db.session.remove()
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    return chain_id


def test_seal_reports_how_many_entries_it_sealed(runner, db):
    # The baseline of the reference lists, loaded before the trail began.
    baseline = db.session.scalar(select(func.count()).select_from(tables.entries))
    tenant_with_history(updates=3)
    db.session.remove()

    result = runner.invoke(args=["audit", "seal"])

    assert result.exit_code == 0, result.output
    # Five entries in the tenant's chain, one (the cycle) in the platform chain.
    assert f"Sealed {baseline + 6} entries in 2 chain(s)." in result.output


def test_seal_signs_a_checkpoint_at_the_head_of_every_chain_it_grew(app, runner, db, tmp_path):
    witness = tmp_path / "witness.jsonl"
    app.config["AUDIT_WITNESS_FILE"] = str(witness)
    chain_id, _ = tenant_with_history(updates=3)
    db.session.remove()

    result = runner.invoke(args=["audit", "seal"])

    assert result.exit_code == 0, result.output
    assert "Signed 2 checkpoint(s)." in result.output
    with audit_trail._system_connection() as connection:
        heads = chain_heads(connection)
        signed = connection.execute(
            select(tables.checkpoints.c.chain_id, tables.checkpoints.c.size)
        ).all()
    assert sorted(signed) == sorted((chain, head.position) for chain, head in heads.items())
    assert chain_id in heads
    # Written to the witness too, like every checkpoint the portal signs.
    kept = [json.loads(line) for line in witness.read_text().splitlines()]
    assert sorted((line["chain"], line["size"]) for line in kept) == sorted(signed)
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "unsigned" not in verified.output


def test_checkpoint_names_each_signed_chain(runner, db):
    chain_id, _ = tenant_with_history(updates=1)
    db.session.remove()

    result = runner.invoke(args=["audit", "checkpoint"])

    assert result.exit_code == 0, result.output
    assert f"chain {chain_id}: checkpoint 1 at size 3" in result.output


def test_verify_reports_intact_chains_and_exits_zero(runner, db):
    chain_id = sealed_and_signed(runner)

    result = runner.invoke(args=["audit", "verify", "--tenant", "al-moi"])

    assert result.exit_code == 0, result.output
    assert f"chain {chain_id}: intact, 5 entries, 1 checkpoint(s)" in result.output


def test_verify_names_the_first_break_and_exits_non_zero(runner, db, database_owner_url):
    chain_id = sealed_and_signed(runner)
    third = chain_links(db.session, chain_id)[2].entry_id
    db.session.remove()
    with as_owner(database_owner_url) as owner:
        entries = tables.entries
        owner.execute(update(entries).where(entries.c.id == third).values(actor_label="someone"))

    result = runner.invoke(args=["audit", "verify"])

    assert result.exit_code == 1
    assert f"BROKEN chain {chain_id}: edited at position 3" in result.output


def test_verify_refuses_an_unknown_tenant(runner, db):
    result = runner.invoke(args=["audit", "verify", "--tenant", "NOPE"])

    assert result.exit_code != 0
    assert "NOPE" in result.output


def test_an_export_verifies_offline_with_the_public_key(runner, db, tmp_path):
    chain_id = sealed_and_signed(runner)
    export_path, key_path = tmp_path / "al.jsonl", tmp_path / "key.pem"

    exported = runner.invoke(args=["audit", "export", "--tenant", "AL-MOI", "--out", export_path])
    keyed = runner.invoke(args=["audit", "public-key", "--out", key_path])
    result = runner.invoke(
        args=["audit", "verify", "--offline", export_path, "--public-key", key_path]
    )

    assert "Exported 5 entries" in exported.output
    assert keyed.exit_code == 0 and "BEGIN PUBLIC KEY" in key_path.read_text()
    assert result.exit_code == 0, result.output
    assert f"chain {chain_id}: intact, 5 entries, 1 checkpoint(s)" in result.output


def test_offline_verify_with_another_key_fails(runner, db, tmp_path, app):
    sealed_and_signed(runner)
    export_path, key_path = tmp_path / "al.jsonl", tmp_path / "key.pem"
    runner.invoke(args=["audit", "export", "--tenant", "AL-MOI", "--out", export_path])
    app.config["AUDIT_SIGNING_KEY"] = bytes(range(32))
    runner.invoke(args=["audit", "public-key", "--out", key_path])

    result = runner.invoke(
        args=["audit", "verify", "--offline", export_path, "--public-key", key_path]
    )

    assert result.exit_code == 1
    assert "bad_signature at position 5" in result.output


def test_offline_verify_needs_a_public_key(runner, db, tmp_path):
    export_path = tmp_path / "al.jsonl"
    export_path.write_text("{}\n")

    result = runner.invoke(args=["audit", "verify", "--offline", export_path])

    assert result.exit_code == 2
    assert "--public-key" in result.output


def test_verify_names_an_unsigned_tail_and_fails_unless_it_is_allowed(runner, db):
    chain_id, need_id = tenant_with_history(updates=3)
    db.session.remove()
    runner.invoke(args=["audit", "checkpoint"])
    change_need(need_id, "Green border")
    db.session.remove()
    # Sealed without signing, as when a seal's signing failed.
    audit_trail.seal_pending()

    refused = runner.invoke(args=["audit", "verify", "--tenant", "AL-MOI"])
    allowed = runner.invoke(args=["audit", "verify", "--tenant", "AL-MOI", "--allow-unsigned"])

    assert refused.exit_code == 1
    assert f"chain {chain_id}: unsigned" in refused.output and "intact" not in refused.output
    assert "1 entry" in refused.output
    assert allowed.exit_code == 0, allowed.output
    assert f"chain {chain_id}: unsigned" in allowed.output


def test_verify_with_a_kept_checkpoint_catches_a_recomputed_chain(
    runner, db, database_owner_url, tmp_path
):
    chain_id = sealed_and_signed(runner)
    export_path, kept_path = tmp_path / "al.jsonl", tmp_path / "kept.jsonl"
    runner.invoke(args=["audit", "export", "--tenant", "AL-MOI", "--out", export_path])
    kept_path.write_text(
        "".join(
            line
            for line in export_path.read_text().splitlines(keepends=True)
            if '"type":"checkpoint"' in line
        )
    )
    third = chain_links(db.session, chain_id)[2].entry_id
    db.session.remove()
    with as_owner(database_owner_url) as owner:
        entries = tables.entries
        owner.execute(update(entries).where(entries.c.id == third).values(reason="nothing"))
        # On SQLite the edit shows by its MAC, unless the forger holds the secret key too.
        authenticate_anew(owner, [third])
        recompute_chain(owner, chain_id)
        owner.execute(delete(tables.checkpoints).where(tables.checkpoints.c.chain_id == chain_id))

    unkept = runner.invoke(args=["audit", "verify", "--tenant", "AL-MOI"])
    result = runner.invoke(
        args=["audit", "verify", "--trusted-checkpoint", kept_path, "--allow-unsigned"]
    )

    assert unkept.exit_code == 1 and f"chain {chain_id}: unsigned" in unkept.output
    assert result.exit_code == 1
    assert f"BROKEN chain {chain_id}: rewritten at position 5" in result.output


def test_offline_verify_takes_kept_checkpoints_and_allows_unsigned(runner, db, tmp_path):
    sealed_and_signed(runner)
    export_path, key_path = tmp_path / "al.jsonl", tmp_path / "key.pem"
    runner.invoke(args=["audit", "export", "--tenant", "AL-MOI", "--out", export_path])
    runner.invoke(args=["audit", "public-key", "--out", key_path])
    stripped_path = tmp_path / "stripped.jsonl"
    stripped_path.write_text(
        "".join(
            line
            for line in export_path.read_text().splitlines(keepends=True)
            if '"type":"checkpoint"' not in line
        )
    )
    offline = ["audit", "verify", "--offline", stripped_path, "--public-key", key_path]

    unsigned = runner.invoke(args=offline)
    allowed = runner.invoke(args=[*offline, "--allow-unsigned"])
    vouched = runner.invoke(args=[*offline, "--trusted-checkpoint", export_path])

    assert unsigned.exit_code == 1 and "unsigned" in unsigned.output
    assert allowed.exit_code == 0, allowed.output
    assert vouched.exit_code == 0, vouched.output
    assert "intact, 5 entries" in vouched.output


def test_a_freshly_loaded_demo_verifies(runner, db):
    loaded = runner.invoke(args=["demo", "load"])
    assert loaded.exit_code == 0, loaded.output
    db.session.remove()

    result = runner.invoke(args=["audit", "verify"])

    assert result.exit_code == 0, result.output
    assert "unsigned" not in result.output and "BROKEN" not in result.output
