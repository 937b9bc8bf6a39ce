"""Measure the server time of every list of the JSON API on a large database.

    python bench/api_lists.py --database-url postgresql://iisg_bench_app@127.0.0.1/iisg_bench
    python bench/api_lists.py --database-url sqlite:////abs/path/instance/bench.sqlite3

Fill the database first with ``bench/generate_volume.py`` (docs/benchmarks.md). The
portal runs in this process; each list is asked for with a bearer token of a partner
viewer and of a Secretariat viewer (an auditor for the audit trail), at ``per_page`` 25
and 100, twice to warm up and then ``--runs`` times. The figures are the ``app`` and
``db`` parts of the ``Server-Timing`` header every answer carries, and its query count:
that count must not grow with ``per_page``. "computed" is the app time of the same list
with nothing kept (``portal.kept_results``), as for the first request after a change.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from bench.pages import TIMING, percentile, prepare_viewers  # noqa: E402
from portal import create_app, kept_results  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.identity import act_as_principal  # noqa: E402
from portal.models import Cycle, Pillar, Response, SupportLink, Tenant, User, UserRole  # noqa: E402
from portal.services import api_tokens  # noqa: E402

TARGET_MS = 50
# Reads what only they read: the audit trail (an auditor), organisations (an admin).
EXTRA = {"bench.auditor@example.org": "auditor", "bench.admin@example.org": "admin"}


def arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Measure server time of the API's lists.")
    parser.add_argument("--database-url", required=True, help="URL the portal connects with")
    parser.add_argument("--runs", type=int, default=20, help="measured requests per list")
    parser.add_argument("--only", help="measure only the lists whose name contains this")
    return parser.parse_args(argv)


def tokens(app) -> dict[str, str]:
    """Return a bearer token of each bench user (two viewers and an auditor)."""
    prepare_viewers(app)
    with app.app_context():
        act_as_principal(None)
        secretariat = db.session.scalar(select(Tenant).where(Tenant.kind == "secretariat"))
        for email, role in EXTRA.items():
            if db.session.scalar(select(User).where(User.email == email)) is None:
                db.session.add(
                    User(
                        email=email,
                        name=f"bench {role}",
                        tenant=secretariat,
                        password_hash="",
                        role_grants=[UserRole(role=role)],
                    )
                )
        db.session.commit()
        found = {}
        for label, email in (
            ("partner", "bench.partner@example.org"),
            ("Secretariat", "bench.secretariat@example.org"),
            ("Secretariat auditor", "bench.auditor@example.org"),
            ("Secretariat admin", "bench.admin@example.org"),
        ):
            user = db.session.scalar(select(User).where(User.email == email))
            _, found[label] = api_tokens.create(user, {"name": "bench", "days": 1, "scope": "read"})
        return found


def lists(app) -> list[tuple[str, str, str]]:
    """Return (name, path, who) of the lists measured, on the open (or latest) cycle."""
    with app.app_context():
        act_as_principal(None)
        cycle = db.session.scalar(
            select(Cycle).order_by((Cycle.status == "open").desc(), Cycle.starts_on.desc())
        )
        pillar = db.session.scalar(select(Pillar).order_by(Pillar.position))
        response_id = db.session.scalar(
            select(SupportLink.response_id)
            .join(Response, Response.id == SupportLink.response_id)
            .where(Response.record_status == "published", Response.visibility == "members")
            .limit(1)
        )
        cycle_name, pillar_code = cycle.name, pillar.code
    readers = ("partner", "Secretariat")
    measured = [
        ("needs", "/api/v1/needs?" + urlencode({"cycle": cycle_name}), readers),
        (
            "needs, filtered and sorted",
            "/api/v1/needs?"
            + urlencode({"cycle": cycle_name, "pillar": pillar_code, "sort": "code"}),
            readers,
        ),
        ("responses", "/api/v1/responses", readers),
        (
            "responses, filtered",
            "/api/v1/responses?" + urlencode({"pillar": pillar_code, "record_status": "published"}),
            readers,
        ),
        ("links of a response", f"/api/v1/responses/{response_id}/links", readers),
        ("cycles", "/api/v1/cycles", readers),
        ("tenants", "/api/v1/tenants", ("Secretariat admin",)),
        ("reference: acquis chapters", "/api/v1/reference/acquis-chapters", readers),
        ("gaps", "/api/v1/analysis/gaps?" + urlencode({"cycle": cycle_name}), readers),
        ("synergies", "/api/v1/analysis/synergies?" + urlencode({"cycle": cycle_name}), readers),
        ("audit entries", "/api/v1/audit/entries", ("Secretariat auditor",)),
    ]
    return [(name, path, who) for name, path, readers in measured for who in readers]


def measure(client, path: str, secret: str, runs: int) -> dict:
    """Return the medians and p95 of ``path``: with kept totals, and computing them."""
    figures = {"app": [], "db": [], "computed": []}
    headers = {"Authorization": f"Bearer {secret}"}
    for attempt in range(runs + 2):
        answer = client.get(path, headers=headers)
        assert answer.status_code == 200, (path, answer.status_code, answer.get_data()[:300])
        if attempt < 2:
            continue  # warm-up: caches, prepared statements, imports
        for name, value in TIMING.findall(answer.headers["Server-Timing"]):
            figures[name].append(float(value))
    queries = int(re.search(r'"(\d+) queries"', answer.headers["Server-Timing"]).group(1))
    for _ in range(runs):
        # As the first request after a change: nothing kept, every total computed.
        kept_results.forget_everything()
        answer = client.get(path, headers=headers)
        figures["computed"].append(
            float(dict(TIMING.findall(answer.headers["Server-Timing"]))["app"])
        )
    return {
        name: (statistics.median(values), percentile(values, 95))
        for name, values in figures.items()
    } | {"queries": queries, "items": len(answer.get_json()["items"])}


def main(argv=None) -> int:
    options = arguments(argv)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": options.database_url,
            "LOG_LEVEL": "WARNING",
            "API_RATE_LIMIT": "1000000 per minute",
        }
    )
    secrets = tokens(app)
    client = app.test_client()
    backend = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0]
    print(f"{backend}, {options.runs} runs per list; milliseconds, median / p95")
    print(
        "| list | caller | per_page | items | app median | app p95 | db median"
        " | computed median | queries |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    slow, growing = [], []
    for name, path, who in lists(app):
        if options.only and options.only not in name:
            continue
        counts = set()
        for per_page in (25, 100):
            joined = f"{path}{'&' if '?' in path else '?'}per_page={per_page}"
            figures = measure(client, joined, secrets[who], options.runs)
            (app_median, app_p95), (db_median, _db_p95) = figures["app"], figures["db"]
            computed_median, _computed_p95 = figures["computed"]
            counts.add(figures["queries"])
            if app_median > TARGET_MS:
                slow.append(f"{name} ({who}, {per_page})")
            print(
                f"| {name} | {who} | {per_page} | {figures['items']} | {app_median:.1f}"
                f" | {app_p95:.1f} | {db_median:.1f} | {computed_median:.1f}"
                f" | {figures['queries']} |",
                flush=True,
            )
        if len(counts) > 1:
            growing.append(f"{name} ({who}): {sorted(counts)}")
    print(
        f"target: median <= {TARGET_MS} ms: "
        + ("met" if not slow else "missed by " + ", ".join(slow))
    )
    print(
        "queries independent of per_page: "
        + ("yes" if not growing else "no: " + "; ".join(growing))
    )
    return 1 if slow or growing else 0


if __name__ == "__main__":
    raise SystemExit(main())
