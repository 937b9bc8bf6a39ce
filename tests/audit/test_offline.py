"""An export verifies offline with only the public key, and names the same breaks."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

import audit.offline
from audit.offline import load_public_keys, verify_export
from portal import audit_trail
from tests.audit.chain_support import tenant_with_history

OFFLINE_SOURCE = Path(audit.offline.__file__)
ALLOWED_IMPORTS = {"cryptography", "rfc8785", "__future__"} | set(sys.stdlib_module_names)


@pytest.fixture
def exported(db, tmp_path):
    """A tenant's chain of ten entries, signed and exported, with the public key file."""
    tenant_with_history(updates=8)
    db.session.remove()
    audit_trail.make_checkpoints()
    path = tmp_path / "chain.jsonl"
    key_path = tmp_path / "key.pem"
    assert audit_trail.export("AL-MOI", path) == 10
    key_path.write_bytes(audit_trail.public_key_pem())
    return path, load_public_keys(key_path.read_bytes())


def rewrite(path: Path, change) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(change(lines)), encoding="utf-8")


def first_break(path, keys):
    report = verify_export(path, keys)
    return report.chains[0].first_break


def test_an_untouched_export_verifies(exported):
    path, keys = exported

    report = verify_export(path, keys)

    assert report.intact
    assert (report.chains[0].size, report.chains[0].checkpoints) == (10, 1)


def test_the_export_holds_header_entries_checkpoints_and_keys(exported):
    path, _keys = exported

    records = [json.loads(line) for line in path.read_text().splitlines()]

    assert records[0]["format"] == "iisg-audit-chain" and records[0]["entries"] == 10
    assert [record.get("type") for record in records[1:]] == ["entry"] * 10 + [
        "checkpoint",
        "key",
    ]
    assert [record["position"] for record in records[1:11]] == list(range(1, 11))


def edit_entry(lines):
    record = json.loads(lines[4])
    record["entry"]["reason"] = "nothing to see"
    lines[4] = json.dumps(record) + "\n"
    return lines


def swap_entries(lines):
    fourth, fifth = json.loads(lines[4]), json.loads(lines[5])
    fourth["entry"], fifth["entry"] = fifth["entry"], fourth["entry"]
    lines[4], lines[5] = json.dumps(fourth) + "\n", json.dumps(fifth) + "\n"
    return lines


def forge_entry(lines):
    forged = json.loads(lines[6])
    forged["entry"]["reason"] = "approved"
    forged["hash"] = "00" * 32
    return lines[:6] + [json.dumps(forged) + "\n"] + lines[6:]


def forge_checkpoint(lines):
    index = next(i for i, line in enumerate(lines) if '"type":"checkpoint"' in line)
    record = json.loads(lines[index])
    record["head_hash"] = "ab" * 32
    lines[index] = json.dumps(record) + "\n"
    return lines


def replay_checkpoint(lines):
    index = next(i for i, line in enumerate(lines) if '"type":"checkpoint"' in line)
    return lines[: index + 1] + [lines[index]] + lines[index + 1 :]


@pytest.mark.parametrize(
    ("change", "kind", "position"),
    [
        pytest.param(edit_entry, "edited", 4, id="edited"),
        pytest.param(lambda lines: lines[:3] + lines[4:], "deleted", 3, id="deleted"),
        pytest.param(forge_entry, "inserted", 6, id="inserted"),
        pytest.param(swap_entries, "reordered", 4, id="reordered"),
        pytest.param(lambda lines: lines[:8] + lines[11:], "truncated", 8, id="truncated"),
        pytest.param(forge_checkpoint, "bad_signature", 10, id="forged-checkpoint"),
        pytest.param(replay_checkpoint, "replayed_checkpoint", 10, id="replayed-checkpoint"),
    ],
)
def test_a_changed_export_names_the_first_break(exported, change, kind, position):
    path, keys = exported
    rewrite(path, change)

    found = first_break(path, keys)

    assert (found.kind, found.position) == (kind, position)


def entry_tail(line: str) -> str:
    return line[line.index('"entry":') :]


def edit_entry_in_place(lines):
    # The exporter's own form kept: only a value inside the entry changes.
    lines[4] = lines[4].replace('"operation":"U"', '"operation":"D"', 1)
    return lines


def swap_entries_in_place(lines):
    fourth, fifth = lines[4], lines[5]
    lines[4] = fourth[: fourth.index('"entry":')] + entry_tail(fifth)
    lines[5] = fifth[: fifth.index('"entry":')] + entry_tail(fourth)
    return lines


def space_out_entry(lines):
    # Same content, other bytes: not what was hashed.
    head = lines[7][: lines[7].index('"entry":')]
    lines[7] = head + entry_tail(lines[7]).replace(",", ", ", 1)
    return lines


@pytest.mark.parametrize(
    ("change", "kind", "position"),
    [
        pytest.param(edit_entry_in_place, "edited", 4, id="edited"),
        pytest.param(swap_entries_in_place, "reordered", 4, id="reordered"),
        pytest.param(space_out_entry, "edited", 7, id="respaced"),
    ],
)
def test_a_line_changed_in_the_exporters_own_form_names_the_first_break(
    exported, change, kind, position
):
    path, keys = exported
    rewrite(path, change)

    found = first_break(path, keys)

    assert (found.kind, found.position) == (kind, position)


def test_entry_lines_written_anew_with_the_same_content_still_verify(exported):
    # Not the exporter's form (spaces, other key order): read, made canonical, hashed.
    path, keys = exported
    rewrite(
        path,
        lambda lines: [
            json.dumps(dict(reversed(json.loads(line).items()))) + "\n"
            if '"type":"entry"' in line
            else line
            for line in lines
        ],
    )

    assert verify_export(path, keys).intact


def test_an_export_checked_with_the_wrong_key_fails(exported):
    path, _keys = exported
    stranger = Ed25519PrivateKey.generate().public_key()
    pem = stranger.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)

    found = first_break(path, load_public_keys(pem))

    assert (found.kind, found.position) == ("bad_signature", 10)


def test_the_verifier_runs_as_a_script_beside_the_export(exported, tmp_path):
    path, _keys = exported
    copy = tmp_path / "offline.py"
    copy.write_text(OFFLINE_SOURCE.read_text())

    result = subprocess.run(
        [sys.executable, str(copy), str(path), "--public-key", str(tmp_path / "key.pem")],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    assert "intact, 10 entries" in result.stdout


def test_the_offline_verifier_imports_only_the_standard_library_and_two_packages():
    tree = ast.parse(OFFLINE_SOURCE.read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])

    assert imported - ALLOWED_IMPORTS == set()


def test_loading_the_offline_verifier_loads_no_database_or_web_package():
    program = (
        "import sys, runpy; runpy.run_path(sys.argv[1]);"
        " print(' '.join(sorted({name.split('.')[0] for name in sys.modules})))"
    )

    result = subprocess.run(
        [sys.executable, "-c", program, str(OFFLINE_SOURCE)],
        capture_output=True,
        text=True,
        check=True,
    )

    loaded = set(result.stdout.split())
    assert {"cryptography", "rfc8785"} <= loaded
    assert loaded & {"sqlalchemy", "flask", "audit", "portal", "psycopg"} == set()
