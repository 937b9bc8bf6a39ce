"""Measure the server time of the analysis pages and the needs list on a large database.

    python bench/pages.py --database-url sqlite:///instance/bench.sqlite3 --runs 30
    python bench/pages.py --database-url postgresql+psycopg://iisg_app@127.0.0.1/iisg_bench

Fill the database first with ``bench/generate_volume.py``. The portal runs in this process
(no network in the figures) and each page is requested ``--runs`` times, after two
warm-up requests, signed in through the real sign-in pages (password and authenticator
code) as a partner viewer and as a Secretariat viewer. The figures are the ones every
response reports in its ``Server-Timing`` header: ``app`` (the whole request in the app)
and ``db`` (time inside database calls), in milliseconds. On PostgreSQL connect as the
app's role, so that row-level security applies as in production.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyotp  # noqa: E402
from sqlalchemy import select  # noqa: E402

from portal import create_app, kept_results  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import (  # noqa: E402
    Cycle,
    Need,
    PartnerEconomy,
    Pillar,
    Response,
    Tenant,
    User,
    UserRole,
)
from portal.models.base import utc_now  # noqa: E402
from portal.security import totp  # noqa: E402
from portal.security.passwords import hash_password  # noqa: E402

PASSWORD = "bench password not for production"
TIMING = re.compile(r"(app|db);dur=([0-9.]+)")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
VIEWERS = {
    # email: (tenant code, roles)
    "bench.partner@example.org": ("AL-BENCH", ("viewer",)),
    "bench.secretariat@example.org": (None, ("viewer",)),
}


def arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Measure server time of the heavy pages.")
    parser.add_argument("--database-url", required=True, help="URL the portal connects with")
    parser.add_argument("--runs", type=int, default=30, help="measured requests per page")
    parser.add_argument("--only", help="measure only the pages whose name contains this")
    parser.add_argument(
        "--first-visit",
        action="store_true",
        help="forget every kept result before each request (a visit after a change)",
    )
    return parser.parse_args(argv)


def prepare_viewers(app) -> dict[str, str]:
    """Create (or reset) the bench's two viewers, acting as the system; return their secrets."""
    secrets = {}
    with app.app_context():
        secretariat = db.session.scalar(select(Tenant).where(Tenant.kind == "secretariat"))
        for email, (code, roles) in VIEWERS.items():
            tenant = (
                secretariat
                if code is None
                else db.session.scalar(select(Tenant).where(Tenant.code == code))
            )
            user = db.session.scalar(select(User).where(User.email == email))
            if user is None:
                user = User(
                    email=email,
                    name=email.split("@")[0],
                    tenant=tenant,
                    password_hash="",
                    role_grants=[UserRole(role=role) for role in roles],
                )
                db.session.add(user)
                db.session.flush()
            secret = pyotp.random_base32()
            user.password_hash = hash_password(PASSWORD)
            user.totp_secret_encrypted = totp.encrypt_secret(
                app.config["ENCRYPTION_KEY"], user.id, secret
            )
            user.totp_enrolled_at = utc_now()
            user.totp_last_step = None
            secrets[email] = secret
        db.session.commit()
    return secrets


def sign_in(app, email: str, secret: str):
    client = app.test_client()
    token = CSRF.search(client.get("/auth/login").get_data(as_text=True)).group(1)
    answer = client.post(
        "/auth/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    token = CSRF.search(client.get("/auth/2fa").get_data(as_text=True)).group(1)
    answer = client.post("/auth/2fa", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    return client


def targets(app) -> list[tuple[str, str]]:
    """Return (name, path) of the pages measured, on the open (or latest) cycle."""
    with app.app_context():
        cycle = db.session.scalar(
            select(Cycle).order_by((Cycle.status == "open").desc(), Cycle.starts_on.desc())
        )
        pillar = db.session.scalar(select(Pillar).order_by(Pillar.position))
        economy = db.session.scalar(select(PartnerEconomy).where(PartnerEconomy.code == "AL"))
        ids = cycle.id, pillar.id, economy.id
        # A record every viewer may open: a validated need, a published response for members.
        need_id = db.session.scalar(
            select(Need.id).where(Need.cycle_id == cycle.id, Need.status == "validated").limit(1)
        )
        response_id = db.session.scalar(
            select(Response.id)
            .where(Response.record_status == "published", Response.visibility == "members")
            .limit(1)
        )
        # The needs list filters by the names and codes people read, not by ids.
        names = cycle.name, pillar.code
    cycle_id, pillar_id, economy_id = ids
    cycle_name, pillar_code = names
    return [
        ("coverage matrix page", f"/analysis?cycle={cycle_id}"),
        ("coverage matrix CSV", f"/analysis/coverage-by-pillar.csv?cycle={cycle_id}"),
        (
            "drill-down needs list",
            f"/analysis/needs?cycle={cycle_id}&economy={economy_id}&pillar={pillar_id}"
            "&coverage=gap&page=2",
        ),
        ("needs list", f"/needs?{urlencode({'cycle': cycle_name, 'pillar': pillar_code})}&page=2"),
        ("dashboard", "/"),
        ("responses list", f"/responses?{urlencode({'pillar': pillar_code})}&page=2"),
        ("a need's page", f"/needs/{need_id}"),
        ("a response's page", f"/responses/{response_id}"),
        ("search", "/search?q=border"),
    ]


def measure(client, path: str, runs: int, first_visit: bool = False) -> dict | None:
    figures = {"app": [], "db": []}
    for attempt in range(runs + 2):
        if first_visit:  # as after a change of the records: nothing kept to start from
            kept_results.forget_everything()
        answer = client.get(path)
        if answer.status_code == 404 and path.startswith("/needs"):
            return None
        assert answer.status_code == 200, (path, answer.status_code)
        if attempt < 2:
            continue  # warm-up: caches, prepared statements, imports
        for name, value in TIMING.findall(answer.headers["Server-Timing"]):
            figures[name].append(float(value))
    queries = re.search(r'"(\d+) queries"', answer.headers["Server-Timing"]).group(1)
    return {
        name: (statistics.median(values), percentile(values, 95))
        for name, values in figures.items()
    } | {"queries": queries}


def percentile(values: list[float], share: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share / 100 * (len(ordered) - 1)))]


def main(argv=None) -> int:
    options = arguments(argv)
    app = create_app({"SQLALCHEMY_DATABASE_URI": options.database_url, "LOG_LEVEL": "WARNING"})
    secrets = prepare_viewers(app)
    backend = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0]
    print(f"{backend}, {options.runs} runs per page; milliseconds, median / p95")
    print("| page | viewer | app median | app p95 | db median | db p95 | queries |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for email, secret in secrets.items():
        client = sign_in(app, email, secret)
        viewer = "Secretariat" if "secretariat" in email else "partner"
        for name, path in targets(app):
            if options.only and options.only not in name:
                continue
            figures = measure(client, path, options.runs, options.first_visit)
            if figures is None:
                print(f"skipped: /needs not present ({viewer})")
                continue
            (app_median, app_p95), (db_median, db_p95) = figures["app"], figures["db"]
            print(
                f"| {name} | {viewer} | {app_median:.1f} | {app_p95:.1f} | {db_median:.1f}"
                f" | {db_p95:.1f} | {figures['queries']} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
