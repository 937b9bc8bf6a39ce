"""An export verifies offline with only the public key, and names the same breaks."""

from __future__ import annotations

import ast
import contextlib
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

import audit.offline
from audit.offline import load_checkpoints, load_public_keys, verify_export
from portal import audit_trail
from tests.audit.chain_support import change_need, tenant_with_history

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
    head = lines[7][: lines[7].index('"entry":')]
    lines[7] = head + entry_tail(lines[7]).replace(",", ", ", 1)
    return lines


@pytest.mark.parametrize(
    ("change", "kind", "position"),
    [
        pytest.param(edit_entry_in_place, "edited", 4, id="edited"),
        pytest.param(swap_entries_in_place, "reordered", 4, id="reordered"),
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


# --- Keys named twice: a reader keeping the first value sees what was never sealed ----


def spaced_entry_line(record: dict, entry_text: str) -> str:
    return (
        f'{{"type": "entry", "position": {record["position"]}, "hash": "{record["hash"]}",'
        f' "entry": {entry_text}}}\n'
    )


def forge_a_leading_actor_label(lines):
    # The review's case: the line written anew with spaces, a forged value named first.
    record = json.loads(lines[4])
    genuine = json.dumps(record["entry"])
    lines[4] = spaced_entry_line(record, '{"actor_label": "FORGED by mallory", ' + genuine[1:])
    return lines


def forge_a_leading_title_in_the_row_image(lines):
    record = json.loads(lines[4])
    genuine = json.dumps(record["entry"])
    forged = genuine.replace('"new_row": {', '"new_row": {"title": "Forged", ', 1)
    lines[4] = spaced_entry_line(record, forged)
    return lines


def forge_a_leading_title_in_the_exporters_form(lines):
    lines[4] = lines[4].replace('"new_row":{', '"new_row":{"title":"Forged",', 1)
    return lines


def forge_a_leading_entry(lines):
    record = json.loads(lines[4])
    forged = {**record["entry"], "reason": "approved by the minister"}
    lines[4] = spaced_entry_line(
        record, json.dumps(forged) + ', "entry": ' + json.dumps(record["entry"])
    )
    return lines


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(forge_a_leading_actor_label, id="entry-field"),
        pytest.param(forge_a_leading_title_in_the_row_image, id="nested"),
        pytest.param(forge_a_leading_title_in_the_exporters_form, id="exporters-form"),
        pytest.param(forge_a_leading_entry, id="whole-entry"),
    ],
)
def test_an_entry_line_naming_a_key_twice_is_edited(exported, change):
    path, keys = exported
    rewrite(path, change)

    found = first_break(path, keys)

    assert (found.kind, found.position) == ("edited", 4)


def name_the_position_twice(lines):
    lines[4] = lines[4].replace('"position":4,', '"position":5,"position":4,', 1)
    return lines


def name_a_checkpoints_size_twice(lines):
    index = next(i for i, line in enumerate(lines) if '"type":"checkpoint"' in line)
    lines[index] = lines[index].replace('"size":', '"size":99,"size":', 1)
    return lines


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(name_the_position_twice, id="entry-position"),
        pytest.param(name_a_checkpoints_size_twice, id="checkpoint"),
    ],
)
def test_a_line_whose_meaning_depends_on_the_reader_is_unreadable(exported, change):
    path, keys = exported
    rewrite(path, change)

    with pytest.raises(ValueError, match="twice"):
        verify_export(path, keys)


# --- Checkpoints: what is not covered by one is unsigned ------------------------------


def is_checkpoint(line: str) -> bool:
    return '"type":"checkpoint"' in line


def strip_checkpoints(lines):
    return [line for line in lines if not is_checkpoint(line)]


def recompute_hashes(lines):
    """Rewrite every entry line's hash from the entries as they are, as a forger would."""
    previous = bytes(32)
    rewritten = []
    for line in lines:
        record = json.loads(line)
        if record.get("type") == "entry":
            previous = hashlib.sha256(b"\x00" + previous + rfc8785.dumps(record["entry"])).digest()
            line = json.dumps({**record, "hash": previous.hex()}) + "\n"
        rewritten.append(line)
    return rewritten


def keep_checkpoints(path: Path, kept: Path) -> Path:
    kept.write_text(
        "".join(line for line in path.read_text().splitlines(keepends=True) if is_checkpoint(line))
    )
    return kept


def run_offline(path, *options) -> tuple[int, str]:
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        status = audit.offline.main(
            [str(path), "--public-key", str(path.parent / "key.pem"), *options]
        )
    return status, output.getvalue()


def test_an_export_stripped_of_its_checkpoints_is_unsigned_and_fails(exported):
    path, keys = exported
    rewrite(path, strip_checkpoints)

    report = verify_export(path, keys)
    status, printed = run_offline(path)
    allowed, allowed_printed = run_offline(path, "--allow-unsigned")

    chain = report.chains[0]
    assert (chain.first_break, chain.unsigned, chain.intact, report.intact) == (
        None,
        10,
        False,
        False,
    )
    assert status == 1 and "unsigned" in printed and "intact" not in printed
    assert allowed == 0 and "unsigned" in allowed_printed


def test_a_recomputed_export_stripped_of_its_checkpoints_is_caught_by_a_kept_one(
    exported, tmp_path
):
    path, keys = exported
    kept = keep_checkpoints(path, tmp_path / "kept.jsonl")
    rewrite(path, lambda lines: recompute_hashes(strip_checkpoints(edit_entry(lines))))

    unkept = verify_export(path, keys)
    found = verify_export(path, keys, trusted=load_checkpoints(kept)).chains[0].first_break
    status, printed = run_offline(path, "--trusted-checkpoint", str(kept), "--allow-unsigned")

    assert unkept.chains[0].first_break is None and not unkept.intact
    assert (found.kind, found.position) == ("rewritten", 10)
    assert status == 1 and "rewritten at position 10" in printed


def test_a_rolled_back_export_is_caught_by_a_kept_checkpoint(exported, tmp_path):
    path, keys = exported
    kept = keep_checkpoints(path, tmp_path / "kept.jsonl")
    rewrite(path, lambda lines: lines[:8])

    found = verify_export(path, keys, trusted=load_checkpoints(kept)).chains[0].first_break

    assert (found.kind, found.position) == ("truncated", 8)


def test_a_later_export_that_extends_a_kept_one_verifies(db, tmp_path):
    _chain_id, need_id = tenant_with_history(updates=3)
    db.session.remove()
    audit_trail.make_checkpoints()
    earlier, later = tmp_path / "earlier.jsonl", tmp_path / "later.jsonl"
    audit_trail.export("AL-MOI", earlier)
    change_need(need_id, "Green border")
    db.session.remove()
    audit_trail.make_checkpoints()
    audit_trail.export("AL-MOI", later)
    keys = load_public_keys(audit_trail.public_key_pem())

    # A whole earlier export is a file of checkpoints too: its other lines are passed by.
    report = verify_export(later, keys, trusted=load_checkpoints(earlier))

    assert report.intact and report.chains[0].size == 6


def test_kept_checkpoints_of_another_chain_alone_cannot_vouch(exported, tmp_path):
    path, keys = exported
    kept = tmp_path / "kept.jsonl"
    kept.write_text(
        "".join(
            json.dumps({**json.loads(line), "chain": 999}) + "\n"
            for line in path.read_text().splitlines(keepends=True)
            if is_checkpoint(line)
        )
    )

    with pytest.raises(ValueError, match="chain"):
        verify_export(path, keys, trusted=load_checkpoints(kept))
    assert run_offline(path, "--trusted-checkpoint", str(kept))[0] == 2


# --- The documented kinds -------------------------------------------------------------


def swap_lines(lines):
    lines[4], lines[5] = lines[5], lines[4]
    return lines


def move_a_line_to_the_end(lines):
    return lines[:4] + lines[5:11] + [lines[4]] + lines[11:]


def add_a_line_with_a_position_of_its_own(lines):
    forged = json.loads(lines[6])
    forged["position"] = 99
    return lines[:6] + [json.dumps(forged) + "\n"] + lines[6:]


@pytest.mark.parametrize(
    ("change", "kind", "position"),
    [
        pytest.param(swap_lines, "reordered", 4, id="swapped-lines"),
        pytest.param(move_a_line_to_the_end, "reordered", 4, id="moved-line"),
        pytest.param(add_a_line_with_a_position_of_its_own, "inserted", 6, id="extra-line"),
    ],
)
def test_moved_and_extra_lines_are_named_as_documented(exported, change, kind, position):
    path, keys = exported
    rewrite(path, change)

    found = first_break(path, keys)

    assert (found.kind, found.position) == (kind, position)


def test_another_chains_checkpoint_is_a_replayed_checkpoint(db, exported, tmp_path):
    path, keys = exported
    tenant_with_history(code="XK-MOI", economy="XK", updates=3)
    db.session.remove()
    audit_trail.make_checkpoints()
    other = tmp_path / "other.jsonl"
    audit_trail.export("XK-MOI", other)
    foreign = next(
        line for line in other.read_text().splitlines(keepends=True) if is_checkpoint(line)
    )
    rewrite(path, lambda lines: lines[:12] + [foreign] + lines[12:])

    found = first_break(path, keys)

    assert (found.kind, found.position) == ("replayed_checkpoint", 5)


def reorder_the_entrys_keys(lines):
    # The review's case: the exporter's own line, the entry's keys in another order.
    head = lines[4][: lines[4].index('"entry":')]
    entry = dict(reversed(json.loads(lines[4])["entry"].items()))
    lines[4] = head + '"entry":' + json.dumps(entry, separators=(",", ":")) + "}\n"
    return lines


def reorder_the_lines_keys(lines):
    record = json.loads(lines[4])
    entry = dict(reversed(record.pop("entry").items()))
    reordered = {"entry": entry, **dict(reversed(record.items()))}
    lines[4] = json.dumps(reordered, separators=(",", ":")) + "\n"
    return lines


@pytest.mark.parametrize(
    "change", [space_out_entry, reorder_the_entrys_keys, reorder_the_lines_keys]
)
def test_a_line_with_its_keys_reordered_and_no_spaces_still_verifies(exported, change):
    # The seal covers the entry's content (its RFC 8785 form), not the line's bytes.
    path, keys = exported
    rewrite(path, change)

    assert verify_export(path, keys).intact
