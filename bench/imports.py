"""Measure a 10,000-row import (dry run and apply) and a 100,000-row streamed export.

    python bench/imports.py --database-url postgresql://iisg_bench_app@127.0.0.1/iisg_bench
    python bench/imports.py --database-url sqlite:////abs/path/instance/bench.sqlite3

Fill the database first with ``bench/generate_volume.py`` (docs/benchmarks.md). The portal
runs in this process. A member editor of the generated volume imports an XLSX workbook
of ``--rows`` new responses (unique references per run, so the volume grows by that
many): the time to upload and dry-run it, to apply it, and to dry-run it again (every
row then unchanged). Then a Secretariat viewer downloads ``/responses/export`` as CSV,
read as a client would, chunk by chunk, while the process's resident memory is sampled:
it must not grow with the rows sent.
"""

from __future__ import annotations

import argparse
import io
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bench.pages import prepare_viewers, sign_in  # noqa: E402
from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.identity import act_as, act_as_principal  # noqa: E402
from portal.models import Tenant, User, UserRole  # noqa: E402
from portal.services import imports  # noqa: E402

EDITOR = "bench.member.editor@example.org"
COLUMNS = (
    "external_reference",
    "title",
    "description",
    "pillars",
    "donors",
    "beneficiaries",
    "support_type",
    "starts_on",
    "ends_on",
    "budget_amount",
    "budget_currency",
    "implementation_status",
)


def arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Measure imports and exports at volume.")
    parser.add_argument("--database-url", required=True, help="URL the portal connects with")
    parser.add_argument("--rows", type=int, default=10_000, help="rows of the imported file")
    return parser.parse_args(argv)


def workbook(rows: int) -> bytes:
    """Return an XLSX workbook of ``rows`` new responses, as a member would fill one."""
    run = secrets.token_hex(3)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("responses")
    sheet.append(COLUMNS)
    pillars = ("WBCTi", "WBCSCi", "WBBSi")
    economies = ("AL", "BA", "XK", "ME", "MK", "RS")
    for number in range(rows):
        sheet.append(
            (
                f"BENCH-{run}-{number:05d}",
                f"Imported programme {number} on border and crime cooperation",
                "Training, equipment and advice for the partner's services. " * 3,
                pillars[number % 3],
                "European Commission; Bench donor foundation",
                f"{economies[number % 6]}; {economies[(number + 1) % 6]}",
                "training",
                "2026-01-01",
                "2027-12-31",
                f"{100_000 + number}.50",
                "EUR",
                "ongoing",
            )
        )
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def editor(app) -> User:
    """Return (creating once) an editor of the first member organisation of the volume."""
    with app.app_context():
        act_as_principal(None)
        person = db.session.scalar(select(User).where(User.email == EDITOR))
        if person is None:
            member = db.session.scalar(
                select(Tenant).where(Tenant.kind == "member").order_by(Tenant.id)
            )
            person = User(
                email=EDITOR,
                name="bench member editor",
                tenant=member,
                password_hash="",
                role_grants=[UserRole(role="editor")],
            )
            db.session.add(person)
            db.session.commit()
        return person.id


def resident_kib() -> int:
    """Return the process's resident memory now (not its peak), in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def measure_import(app, rows: int) -> None:
    content = workbook(rows)
    editor_id = editor(app)
    with app.app_context():
        person = db.session.get(User, editor_id)
        act_as(person)
        started = time.perf_counter()
        record = imports.upload("responses", "bench.xlsx", content)
        record = imports.check(record.id)
        dry = time.perf_counter() - started
        counts = record.outcome["counts"]
        assert counts["create"] == rows, counts
        started = time.perf_counter()
        imports.apply(record.id)
        applied = time.perf_counter() - started
        started = time.perf_counter()
        again = imports.check(imports.upload("responses", "bench.xlsx", content).id)
        unchanged = time.perf_counter() - started
        again_counts = again.outcome["counts"]
    backend = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0]
    print(f"{backend}: XLSX of {rows:,} responses, {len(content) / 1_048_576:.1f} MB")
    print(f"| dry run (upload + check) | {dry:.1f} s | target 10 s |")
    print(f"| apply (checked again, written) | {applied:.1f} s | target 20 s |")
    print(f"| dry run again (every row unchanged) | {unchanged:.1f} s | |", flush=True)
    assert again_counts["unchanged"] == rows, again_counts


def measure_export(app) -> None:
    secrets_by_email = prepare_viewers(app)
    email = "bench.secretariat@example.org"
    client = sign_in(app, email, secrets_by_email[email])
    before = resident_kib()
    started = time.perf_counter()
    answer = client.get("/responses/export?format=csv", buffered=False)
    assert answer.status_code == 200, answer.status_code
    lines, sent, samples = 0, 0, []
    for chunk in answer.response:
        data = chunk if isinstance(chunk, bytes) else chunk.encode()
        sent += len(data)
        lines += data.count(b"\r\n")
        if lines // 10_000 > len(samples):
            samples.append((lines, resident_kib()))
    answer.close()
    seconds = time.perf_counter() - started
    print(f"export: {lines - 1:,} responses as CSV, {sent / 1_048_576:.1f} MB in {seconds:.1f} s")
    print(f"| resident memory before | {before / 1024:.0f} MB |")
    for count, kib in samples:
        print(f"| after {count:,} rows | {kib / 1024:.0f} MB |")


def main(argv=None) -> int:
    options = arguments(argv)
    app = create_app({"SQLALCHEMY_DATABASE_URI": options.database_url, "LOG_LEVEL": "WARNING"})
    measure_export(app)
    measure_import(app, options.rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
