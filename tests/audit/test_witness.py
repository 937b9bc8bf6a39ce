"""The witness: each checkpoint is signed as soon as a request's entries are sealed, and
written outside the database, so a deletion of the newest entries cannot pass unseen."""

from __future__ import annotations

import json
import stat
import time
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import delete, select
from structlog.testing import capture_logs

from audit import offline, tables
from audit import witness as audit_witness
from audit.checkpoints import Checkpoint, key_id, private_key
from audit.offline import load_checkpoints
from portal import audit_trail
from portal.config import Config, StartupError
from portal.extensions import db
from tests.audit.chain_support import as_owner, chain_links, change_need, tenant_with_history

entries = tables.entries
links = tables.chain_links
checkpoints = tables.checkpoints


def witness_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def written_and_sealed(need_id: int, title: str) -> None:
    """Change a need, then do what the portal does once a writing request has answered."""
    change_need(need_id, title)
    db.session.remove()
    audit_trail.seal_after_request()


def signed_history(app, tmp_path):
    """A tenant's chain grown by three sealed requests, with the witness file configured."""
    witness = tmp_path / "witness.jsonl"
    app.config["AUDIT_WITNESS_FILE"] = str(witness)
    chain_id, need_id = tenant_with_history(updates=2)
    db.session.remove()
    audit_trail.seal_after_request()
    written_and_sealed(need_id, "Green border")
    written_and_sealed(need_id, "Blue border")
    return chain_id, need_id, witness


def delete_newest(owner_url: str, chain_id: int, count: int) -> None:
    """Delete a chain's newest entries, their links and the checkpoints covering them."""
    found = chain_links(db.session, chain_id)
    db.session.remove()
    newest = found[-count:]
    kept_size = len(found) - count
    with as_owner(owner_url) as owner:
        owner.execute(delete(links).where(links.c.entry_id.in_([row.entry_id for row in newest])))
        owner.execute(delete(entries).where(entries.c.id.in_([row.entry_id for row in newest])))
        owner.execute(
            delete(checkpoints).where(
                checkpoints.c.chain_id == chain_id, checkpoints.c.size > kept_size
            )
        )


def test_every_seal_signs_the_chains_it_grew_and_writes_them_to_the_witness(app, db, tmp_path):
    chain_id, _need_id, witness = signed_history(app, tmp_path)

    with audit_trail._system_connection() as connection:
        signed = connection.execute(
            select(checkpoints.c.sequence, checkpoints.c.size)
            .where(checkpoints.c.chain_id == chain_id)
            .order_by(checkpoints.c.sequence)
        ).all()
    kept = [line for line in witness_lines(witness) if line["chain"] == chain_id]

    # Four entries from the first request's seal, then one per change: no unsigned tail.
    assert [tuple(row) for row in signed] == [(1, 4), (2, 5), (3, 6)]
    assert [(line["sequence"], line["size"]) for line in kept] == [(1, 4), (2, 5), (3, 6)]
    assert audit_trail.verify_chain(chain_id).chains[0].intact


def test_deleting_the_newest_entries_is_caught_by_the_witness_on_both_databases(
    app, db, runner, tmp_path, database_owner_url
):
    chain_id, _need_id, witness = signed_history(app, tmp_path)

    delete_newest(database_owner_url, chain_id, 2)

    # What the database alone can say: nothing is broken.
    alone = audit_trail.verify_chain(chain_id).chains[0]
    assert alone.first_break is None and alone.status in ("intact", "unsigned")
    result = runner.invoke(args=["audit", "verify", "--trusted-checkpoint", str(witness)])
    assert result.exit_code == 1, result.output
    assert f"BROKEN chain {chain_id}: truncated at position 5" in result.output


def test_a_tail_deleted_and_grown_again_is_caught_as_rewritten(
    app, db, runner, tmp_path, database_owner_url
):
    chain_id, need_id, witness = signed_history(app, tmp_path)
    delete_newest(database_owner_url, chain_id, 1)

    # The next change is sealed where the deleted one was, and signed as if nothing happened.
    written_and_sealed(need_id, "Grey border")

    assert audit_trail.verify_chain(chain_id).chains[0].intact
    result = runner.invoke(
        args=["audit", "verify", "--tenant", "AL-MOI", "--trusted-checkpoint", str(witness)]
    )
    assert result.exit_code == 1, result.output
    assert f"BROKEN chain {chain_id}: rewritten at position 6" in result.output


def test_the_witness_holds_export_checkpoint_lines_owner_only(app, db, tmp_path):
    chain_id, _need_id, witness = signed_history(app, tmp_path)
    export_path = tmp_path / "export.jsonl"
    audit_trail.export("AL-MOI", export_path)

    exported = [
        line
        for line in export_path.read_text().splitlines(keepends=True)
        if '"type":"checkpoint"' in line
    ]
    kept = [
        line
        for line in witness.read_text().splitlines(keepends=True)
        if f'"chain":{chain_id},' in line
    ]

    assert kept == exported
    assert stat.S_IMODE(witness.stat().st_mode) == 0o600


def test_the_witness_is_appended_to_never_rewritten(app, db, tmp_path):
    witness = tmp_path / "witness.jsonl"
    witness.write_text('{"note":"kept before"}\n')
    witness.chmod(0o640)
    app.config["AUDIT_WITNESS_FILE"] = str(witness)
    tenant_with_history(updates=1)
    db.session.remove()

    audit_trail.make_checkpoints()

    lines = witness.read_text().splitlines()
    assert lines[0] == '{"note":"kept before"}' and len(lines) == 3
    assert stat.S_IMODE(witness.stat().st_mode) == 0o640


def test_each_checkpoint_is_logged_as_a_line_a_verifier_can_keep(app, db, tmp_path):
    tenant_with_history(updates=1)
    db.session.remove()

    with capture_logs() as logged:
        made = audit_trail.make_checkpoints()

    lines = [entry for entry in logged if entry["event"] == "audit_checkpoint"]
    assert [(line["chain"], line["size"]) for line in lines] == [
        (item.chain, item.size) for item in made
    ]
    for line, item in zip(lines, made, strict=True):
        assert (line["head_hash"], line["key_id"], line["signature"]) == (
            item.head_hash,
            item.key_id,
            item.signature,
        )
    # The log stream, as JSON lines, is itself a file of kept checkpoints.
    log_file = tmp_path / "portal.log"
    log_file.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert audit_trail.verify(trusted_checkpoints=load_checkpoints(log_file)).intact


def test_a_witness_that_cannot_be_written_loses_no_change(app, db, login, tmp_path):
    app.config["AUDIT_WITNESS_FILE"] = str(tmp_path / "missing" / "witness.jsonl")
    client = app.test_client()

    with capture_logs() as logged:
        response = login.password_step(client, "nobody@ministry.example")

    # The request answered as usual (a refused sign-in); its event is recorded, sealed, signed.
    assert response.status_code == 401
    failures = [entry for entry in logged if entry["event"] == "audit_witness_failed"]
    assert len(failures) == 1 and failures[0]["log_level"] == "error"
    with audit_trail._system_connection() as connection:
        recorded = connection.execute(
            select(entries.c.id).where(entries.c.event == "login_failed")
        ).scalar_one()
        sealed = connection.execute(
            select(links.c.chain_id, links.c.position).where(links.c.entry_id == recorded)
        ).one()
        signed = (
            connection.execute(
                select(checkpoints.c.size).where(checkpoints.c.chain_id == sealed.chain_id)
            )
            .scalars()
            .all()
        )
    assert max(signed) >= sealed.position


def signed_lines(app, chain_positions, count: int) -> list[str]:
    """Return ``count`` witness lines signing the chains' real heads at every position."""
    key = private_key(app.config["AUDIT_SIGNING_KEY"])
    identifier = key_id(key.public_key())
    made = []
    while len(made) < count:
        for chain_id, position, head_hash in chain_positions:
            number = len(made) + 1
            unsigned = Checkpoint(
                chain_id,
                number,
                position,
                head_hash,
                "0" * 64,
                f"2026-01-01T00:00:00.{number:06d}Z",
                identifier,
                "",
            )
            made.append(replace(unsigned, signature=key.sign(unsigned.statement_bytes()).hex()))
    return [line.decode() + "\n" for line in audit_witness.lines(made[:count]).splitlines()]


def test_a_witness_of_thousands_of_lines_of_many_chains_is_read_whole(
    app, db, runner, tmp_path, database_owner_url
):
    chains = [
        tenant_with_history(code=f"{economy}-MOI", economy=economy, updates=3)[0]
        for economy in ("AL", "RS", "ME")
    ]
    db.session.remove()
    audit_trail.make_checkpoints()
    with audit_trail._system_connection() as connection:
        positions = connection.execute(
            select(links.c.chain_id, links.c.position, links.c.hash).order_by(links.c.position)
        ).all()
    path = tmp_path / "witness.jsonl"
    path.write_text("".join(signed_lines(app, positions, 3000)))

    started = time.perf_counter()
    intact = runner.invoke(args=["audit", "verify", "--trusted-checkpoint", str(path)])
    elapsed = time.perf_counter() - started
    delete_newest(database_owner_url, chains[1], 1)
    broken = runner.invoke(args=["audit", "verify", "--trusted-checkpoint", str(path)])

    assert intact.exit_code == 0, intact.output
    assert elapsed < 30, elapsed
    assert broken.exit_code == 1
    assert f"BROKEN chain {chains[1]}: truncated at position 5" in broken.output
    assert f"chain {chains[0]}: intact" in broken.output


def test_witness_lines_the_database_holds_too_are_not_checked_twice(app, db, tmp_path, monkeypatch):
    chain_id, need_id, path = signed_history(app, tmp_path)
    kept = load_checkpoints(path)
    checked = []
    real = offline.signature_verifies

    def counting(checkpoint, keys):
        checked.append(checkpoint["chain"])
        return real(checkpoint, keys)

    monkeypatch.setattr(offline, "signature_verifies", counting)

    report = audit_trail.verify_chain(chain_id, trusted_checkpoints=kept)

    assert report.intact
    # Three checkpoints in the database, the same three in the witness: three checks.
    assert checked == [chain_id] * 3


def test_the_witness_file_comes_from_the_environment(tmp_path):
    path = tmp_path / "witness.jsonl"

    settings = Config.from_environment({"IISG_AUDIT_WITNESS_FILE": str(path)}, tmp_path)

    assert settings["AUDIT_WITNESS_FILE"] == str(path)
    assert Config.from_environment({}, tmp_path)["AUDIT_WITNESS_FILE"] is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("witness.jsonl", "not an absolute path"),
        ("{folder}", "is a directory"),
        ("{folder}/missing/witness.jsonl", "does not exist"),
    ],
)
def test_a_witness_file_that_cannot_work_stops_start_up(tmp_path, value, reason):
    with pytest.raises(StartupError, match=f"IISG_AUDIT_WITNESS_FILE.*{reason}"):
        Config.from_environment(
            {"IISG_AUDIT_WITNESS_FILE": value.format(folder=tmp_path)}, tmp_path
        )
