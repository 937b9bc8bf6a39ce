"""Measure how long the reports take: gathered, rendered as HTML, and as PDF.

    python bench/reports.py --database-url sqlite:////abs/path/instance/iisg.sqlite3
    python bench/reports.py --database-url sqlite:////abs/path/instance/bench.sqlite3 \
        --partner AL

The portal runs in this process, as the system (the complete report, as the
Secretariat's). Without ``--partner`` or ``--pillar`` the whole report is made; the
cycle is the latest unless ``--cycle`` names one. It prints one row per step, with the
needs in the report and the PDF's pages and size.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pypdf import PdfReader  # noqa: E402

from portal import create_app, documents  # noqa: E402
from portal.identity import act_as_system  # noqa: E402
from portal.services import analysis, reports  # noqa: E402


def arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Measure the needs mapping report.")
    parser.add_argument("--database-url", required=True, help="URL the portal connects with")
    parser.add_argument("--cycle", help="the cycle's name (default: the latest)")
    parser.add_argument("--partner", help="only this partner economy's needs (its code)")
    parser.add_argument("--pillar", help="only this pillar's needs (its code)")
    parser.add_argument("--no-pdf", action="store_true", help="measure the HTML only")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    options = arguments(argv)
    app = create_app({"SQLALCHEMY_DATABASE_URI": options.database_url, "LOG_LEVEL": "WARNING"})
    with app.test_request_context():
        act_as_system("bench: reports")
        cycle = analysis.choose_cycle_named(options.cycle)
        scope = reports.scope_of(options.partner, options.pillar)
        started = time.perf_counter()
        report = reports.needs_report(cycle, scope)
        gathered = time.perf_counter() - started
        needs = len(report.entries)
        started = time.perf_counter()
        reports.needs_html(cycle, scope, "page")
        page = time.perf_counter() - started
        print(f"needs mapping report {cycle.name}, {scope.label}: {needs:,} needs")
        print(f"| gathered (queries) | {gathered:.2f} s |")
        print(f"| gathered and rendered as the page | {page:.2f} s |", flush=True)
        if options.no_pdf:
            return 0
        started = time.perf_counter()
        pdf = documents.pdf_bytes(reports.needs_html(cycle, scope, "pdf"))
        seconds = time.perf_counter() - started
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        print(
            f"| gathered and rendered as PDF | {seconds:.1f} s, {pages:,} pages, "
            f"{len(pdf) / 1_048_576:.1f} MB |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
