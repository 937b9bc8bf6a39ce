"""Load: many signed-in users at once against gunicorn on the 100,000-record volume.

    python bench/load.py --users 50 --seconds 120 \\
        --database-url postgresql://iisg_bench_app@127.0.0.1/iisg_bench \\
        --owner-url postgresql://iisg_bench_owner@127.0.0.1/iisg_bench
    python bench/load.py --saturate --users 50 --seconds 60 --owner-url ...

Fill the database first with ``bench/generate_volume.py``. With ``--owner-url`` the run
generates production keys and runs ``iisg db upgrade`` as the owner with them, so the
database verifies the servers' signed identity; at the end it migrates again with the test
settings, so ``bench/pages.py`` keeps working (without it, the keys come from ``IISG_*``).

Acting as the system, the run creates (or resets) ``--users`` accounts — partner viewers
and editors, member editors, Secretariat viewers, emails ``bench.load.N@example.org`` —
each with a password, a known authenticator secret and an API token. It starts gunicorn in
production mode (``IISG_ENV=production``, one trusted proxy, Redis) and talks to it as the
proxy would (docs/operations.md): plain HTTP with ``X-Forwarded-*``, each user from its
own address, keeping its ``Secure`` cookies itself. Every user signs in with both factors
before the clock starts, then loops over the weighted mix of ``MIX``, pausing ``--think`` seconds
between actions (``--saturate``: no pauses). Then the bare ``/healthz`` is driven by as
many threads without pauses for 10 s, to compare. Gunicorn's workers' memory is sampled
every 10 s from /proc. Latencies are the client's, in milliseconds.
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyotp  # noqa: E402
import requests  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from portal.config import generate_production_keys  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench load password not for production"
HEADERS = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "load.test"}
KEYS = ("IISG_SECRET_KEY", "IISG_ENCRYPTION_KEY", "IISG_AUDIT_SIGNING_KEY")
APP_TIME = re.compile(r"app;dur=([0-9.]+)")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# (kind of organisation, role), by user number modulo the length: members are the most.
KINDS = (
    ("partner", "viewer"),
    ("partner", "editor"),
    ("member", "editor"),
    ("member", "editor"),
    ("secretariat", "viewer"),
)
MIX = {
    "dashboard": 20,
    "needs list": 25,
    "responses list": 15,
    "need page": 20,
    "analysis": 10,
    "api": 10,
}
EDIT_WEIGHT = 3  # member editors also change a draft response's title now and then
EXPECTED = {"edit save": (302, 409)}  # a conflict (409) is the optimistic lock working
WRONG: dict[tuple[str, int], str] = {}  # the first unexpected answer of each page and status


def arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgresql://iisg_bench_app@127.0.0.1/iisg_bench"
    )
    parser.add_argument("--owner-url", help="the schema owner: migrate with this run's keys")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--think", type=float, nargs=2, default=(1, 5), metavar=("MIN", "MAX"))
    parser.add_argument("--saturate", action="store_true", help="no pauses between actions")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--bare-seconds", type=float, default=10)
    return parser.parse_args(argv)


def prepare(app, count: int) -> list[dict]:
    """Create or reset the users, acting as the system; return what each may ask for."""
    from portal.extensions import db
    from portal.identity import act_as, act_as_system
    from portal.models import Cycle, Need, Pillar, Response, Tenant, User, UserRole
    from portal.models.base import utc_now
    from portal.security import totp
    from portal.security.passwords import hash_password
    from portal.services import api_tokens

    users = []
    with app.app_context():
        act_as_system("bench: load preparation")
        password_hash = hash_password(PASSWORD)
        partners = db.session.scalars(select(Tenant).where(Tenant.kind == "partner")).all()
        members = db.session.scalars(select(Tenant).where(Tenant.kind == "member")).all()
        secretariat = db.session.scalar(select(Tenant).where(Tenant.kind == "secretariat"))
        cycle = db.session.scalar(select(Cycle).where(Cycle.status == "open"))
        pillars = db.session.scalars(select(Pillar.code)).all()
        for number in range(1, count + 1):
            kind, role = KINDS[number % len(KINDS)]
            tenant = {"partner": partners, "member": members}.get(kind, [secretariat])
            tenant = tenant[number % len(tenant)]
            email = f"bench.load.{number}@example.org"
            user = db.session.scalar(select(User).where(User.email == email))
            if user is None:
                user = User(email=email, name=f"Load {number}", tenant=tenant, password_hash="")
                db.session.add(user)
            user.tenant, user.role_grants = tenant, [UserRole(role=role)]
            db.session.flush()
            secret = pyotp.random_base32()
            user.password_hash = password_hash
            user.totp_secret_encrypted = totp.encrypt_secret(
                app.config["ENCRYPTION_KEY"], user.id, secret
            )
            user.totp_enrolled_at, user.totp_last_step = utc_now(), None
            db.session.commit()
            _token, token = api_tokens.create(user, {"name": "load", "days": 1, "scope": "read"})
            act_as(user)  # what this user may see, by the portal's own scoping
            needs = db.session.scalars(
                select(Need.id).where(Need.cycle_id == cycle.id).order_by(func.random()).limit(50)
            ).all()
            drafts = db.session.scalars(
                select(Response.id)
                .where(Response.tenant_id == tenant.id, Response.record_status == "draft")
                .order_by(Response.id)
                .limit(5)
            ).all()
            act_as_system("bench: load preparation")
            users.append(
                {
                    "number": number,
                    "email": email,
                    "secret": secret,
                    "token": token,
                    "kind": f"{kind} {role}",
                    "needs": needs,
                    "pillars": pillars,
                    "cycle": (cycle.id, cycle.name),
                    "tenant": tenant.code,
                    "drafts": drafts if (kind, role) == ("member", "editor") else [],
                }
            )
    return users


class FormFields(HTMLParser):
    """Collect the fields a browser would post from a page's form (text, checked, selected)."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.select = self.textarea = None
        self.text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name"):
            if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                self.fields.append((attrs["name"], attrs.get("value") or ""))
        elif tag == "select":
            self.select = attrs.get("name")
        elif tag == "option" and self.select and "selected" in attrs:
            self.fields.append((self.select, attrs.get("value") or ""))
        elif tag == "textarea":
            self.textarea, self.text = attrs.get("name"), ""

    def handle_data(self, data):
        self.text += data if self.textarea else ""

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea:
            self.fields.append((self.textarea, self.text))
            self.textarea = None


class Browser:
    """One user behind the proxy, keeping its Secure cookies itself (plain HTTP hop)."""

    def __init__(self, server: str, number: int):
        self.server, self.cookies, self.http = server, {}, requests.Session()
        address = f"198.51.{100 + number // 250}.{number % 250 + 1}"
        self.headers = {**HEADERS, "X-Forwarded-For": address, "Referer": "https://load.test/"}

    def open(self, method: str, path: str, **options) -> requests.Response:
        headers = {**self.headers, **options.pop("headers", {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        answer = self.http.request(
            method,
            self.server + path,
            headers=headers,
            allow_redirects=False,
            timeout=60,
            **options,
        )
        for line in answer.raw.headers.getlist("Set-Cookie"):
            for name, morsel in SimpleCookie(line).items():
                self.cookies[name] = morsel.value
        return answer

    def post_form(self, path: str, fields, form_page: str) -> requests.Response:
        token = CSRF.search(self.open("GET", form_page).text).group(1)
        return self.open("POST", path, data=[*fields, ("csrf_token", token)])

    def sign_in(self, user: dict) -> None:
        answer = self.post_form(
            "/auth/login", [("email", user["email"]), ("password", PASSWORD)], "/auth/login"
        )
        assert answer.status_code == 302, (user["email"], answer.status_code)
        code = pyotp.TOTP(user["secret"]).now()
        answer = self.post_form("/auth/2fa", [("code", code)], "/auth/2fa")
        assert answer.status_code == 302, (user["email"], answer.status_code, answer.text[:300])


def action(browser: Browser, user: dict, rng: random.Random) -> list[tuple[str, int, float]]:
    """Do one weighted action; return (page, status, seconds) of each request it made."""
    weights = {**MIX, **({"edit": EDIT_WEIGHT} if user["drafts"] else {})}
    page = rng.choices(list(weights), list(weights.values()))[0]
    cycle_id, cycle_name = user["cycle"]
    pillar = rng.choice(user["pillars"])
    paths = {
        "dashboard": "/",
        "needs list": f"/needs?cycle={cycle_name}&pillar={pillar}&page={rng.randint(1, 4)}",
        "responses list": f"/responses?pillar={pillar}&page={rng.randint(1, 3)}",
        "need page": f"/needs/{rng.choice(user['needs'] or [1])}",
        "analysis": f"/analysis?cycle={cycle_id}",
        "api": rng.choice(("/api/v1/me", "/api/v1/needs?per_page=25")),
    }
    done = []

    def timed(name, method, path, **options):
        started = time.perf_counter()
        answer = browser.open(method, path, **options)
        seconds = time.perf_counter() - started
        # The server's own time (Server-Timing), without the queue in front of the workers.
        app_time = APP_TIME.search(answer.headers.get("Server-Timing", ""))
        done.append((name, answer.status_code, seconds, app_time and float(app_time.group(1))))
        if answer.status_code not in EXPECTED.get(name, (200,)):
            # What the page says is wrong: its alert (or error summary), without the markup.
            said = re.search(r'role="alert"[^>]*>(.*?)</div>', answer.text, re.S)
            said = re.sub(r"<[^>]+>", " ", said.group(1) if said else answer.text[:300])
            WRONG.setdefault((name, answer.status_code), " ".join(said.split()))
        return answer

    if page == "api":
        timed(page, "GET", paths[page], headers={"Authorization": f"Bearer {user['token']}"})
    elif page == "edit":
        response_id = rng.choice(user["drafts"])
        form = timed("edit form", "GET", f"/responses/{response_id}/edit")
        parser = FormFields()
        parser.feed(form.text)
        fields = [(k, v) for k, v in parser.fields if k != "csrf_token"]
        title = dict(fields).get("title", "")
        title = title[: -len(" [load]")] if title.endswith(" [load]") else title + " [load]"
        fields = [(k, title if k == "title" else v) for k, v in fields]
        if not any(k.endswith(("_tenants", "_names")) and v.strip() for k, v in fields):
            # Generated drafts name no parties, which a save requires: as a person would,
            # the editor ticks its own organisation as the donor.
            fields.append(("donor_tenants", user["tenant"]))
        token = CSRF.search(form.text).group(1)
        timed(
            "edit save",
            "POST",
            f"/responses/{response_id}/edit",
            data=[*fields, ("csrf_token", token)],
        )
    else:
        timed(page, "GET", paths[page])
    return done


def ready(url: str) -> bool:
    """Return whether the server at ``url`` answers that it is ready."""
    try:
        return requests.get(f"{url}/readyz", headers=HEADERS, timeout=2).ok
    except requests.RequestException:  # still starting
        return False


def worker_memory(master: int) -> dict[int, int]:
    """Return the resident memory (KiB) of each child of the gunicorn master."""
    sizes = {}
    for task in Path(f"/proc/{master}/task").iterdir():
        for child in (task / "children").read_text().split():
            status = Path(f"/proc/{child}/status").read_text()
            sizes[int(child)] = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    return sizes


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share / 100 * (len(ordered) - 1)))]


def drive(server: str, users: list[dict], options, master: int) -> dict:
    """Sign everyone in, then run the mix for --seconds; return what was recorded."""
    records, failures, memory = [], defaultdict(int), []
    ready = threading.Barrier(len(users) + 1)
    stop = threading.Event()
    lock = threading.Lock()

    def person(user):
        browser, rng = Browser(server, user["number"]), random.Random(user["number"])
        try:
            browser.sign_in(user)
        finally:
            ready.wait()
        while not stop.is_set():
            try:
                done = action(browser, user, rng)
            except Exception as error:  # noqa: BLE001 - every failure is counted, none hidden
                with lock:
                    failures[type(error).__name__] += 1
                continue
            if not stop.is_set():
                with lock:
                    records.extend(done)
            if not options.saturate:
                stop.wait(rng.uniform(*options.think))

    threads = [threading.Thread(target=person, args=(user,), daemon=True) for user in users]
    for thread in threads:
        thread.start()
    ready.wait()
    started = time.monotonic()
    while time.monotonic() - started < options.seconds:
        memory.append(worker_memory(master))
        stop.wait(min(10, options.seconds - (time.monotonic() - started)))
    stop.set()
    elapsed = time.monotonic() - started
    memory.append(worker_memory(master))
    for thread in threads:
        thread.join(60)
    return {"records": records, "failures": failures, "memory": memory, "elapsed": elapsed}


def bare(server: str, threads: int, seconds: float) -> float:
    """Return /healthz answers per second with ``threads`` clients and no pauses."""
    count, stop = [0] * threads, threading.Event()

    def hammer(slot):
        http = requests.Session()
        while not stop.is_set():
            if http.get(f"{server}/healthz", headers=HEADERS, timeout=60).status_code == 200:
                count[slot] += 1

    workers = [threading.Thread(target=hammer, args=(n,), daemon=True) for n in range(threads)]
    started = time.monotonic()
    for thread in workers:
        thread.start()
    time.sleep(seconds)
    stop.set()
    elapsed = time.monotonic() - started
    for thread in workers:
        thread.join(60)
    return sum(count) / elapsed


def report(run: dict, healthz: float, options) -> None:
    """Print the figures as markdown tables."""
    by_page = defaultdict(list)
    for page, status, seconds, app_time in run["records"]:
        by_page[page].append((status, seconds, app_time))
    pauses = "none (saturated)" if options.saturate else "{:g}-{:g} s".format(*options.think)
    print(
        f"{options.users} users, {options.workers} workers, pauses {pauses},"
        f" {run['elapsed']:.0f} s measured\n"
    )
    print("| page | requests | errors | p50 ms | p95 ms | p99 ms | server p50 ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    every, errors = [], sum(run["failures"].values())
    for page, rows in sorted(by_page.items()):
        good = EXPECTED.get(page, (200,))
        wrong = sum(status not in good for status, _, _ in rows)
        errors += wrong
        times = [seconds * 1000 for _, seconds, _ in rows]
        server = [app_time for _, _, app_time in rows if app_time is not None] or [0]
        every += times
        print(
            f"| {page} | {len(rows)} | {wrong} | {statistics.median(times):.0f} |"
            f" {percentile(times, 95):.0f} | {percentile(times, 99):.0f} |"
            f" {statistics.median(server):.0f} |"
        )
    if every:
        print(
            f"| **all** | {len(every)} | {errors} | {statistics.median(every):.0f} |"
            f" {percentile(every, 95):.0f} | {percentile(every, 99):.0f} | |"
        )
    conflicts = sum(record[1] == 409 for record in run["records"])
    throughput = len(every) / run["elapsed"]
    print(f"\nexceptions: {dict(run['failures']) or 'none'}; edit conflicts (409): {conflicts}")
    print(
        f"throughput {throughput:.1f} requests/s; bare /healthz {healthz:.0f} requests/s"
        f" with {options.users} threads: {100 * throughput / healthz:.1f}%"
    )
    for (page, status), text in WRONG.items():
        print(f"unexpected {status} on {page}: {text[:600]}")
    print("memory per worker (MiB), sampled every 10 s:")
    for worker in run["memory"][0]:
        sizes = [f"{sample[worker] / 1024:.0f}" for sample in run["memory"] if worker in sample]
        print(f"- worker {worker}: {' '.join(sizes)}")


def main(argv=None) -> int:
    options = arguments(argv)
    from portal import create_app
    from portal.config import normalise_database_url

    def decoded(name: str) -> bytes:
        return base64.urlsafe_b64decode(keys[name] + "=" * (-len(keys[name]) % 4))

    keys = generate_production_keys() if options.owner_url else {k: os.environ[k] for k in KEYS}
    environment = {k: v for k, v in os.environ.items() if not k.startswith("IISG_")}
    environment |= keys | {
        "IISG_ENV": "production",
        "IISG_DATABASE_URL": options.database_url,
        "IISG_REDIS_URL": options.redis_url,
        "IISG_BASE_URL": "https://load.test",
        "IISG_TRUSTED_PROXIES": "1",
        "IISG_LOG_LEVEL": "WARNING",
    }
    venv = Path(sys.executable).parent
    server = None
    try:
        if options.owner_url:
            migrated = subprocess.run(
                [str(venv / "iisg"), "db", "upgrade"],
                cwd=ROOT,
                capture_output=True,
                text=True,
                env=environment | {"IISG_MIGRATION_DATABASE_URL": options.owner_url},
            )
            if migrated.returncode:
                raise SystemExit(f"iisg db upgrade failed:\n{migrated.stderr}")
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": normalise_database_url(options.database_url),
                "SECRET_KEY": keys["IISG_SECRET_KEY"],
                "DATABASE_IDENTITY_KEY": None,
                "ENCRYPTION_KEY": decoded("IISG_ENCRYPTION_KEY"),
                "AUDIT_SIGNING_KEY": decoded("IISG_AUDIT_SIGNING_KEY"),
                "REDIS_URL": options.redis_url,
                "RATELIMIT_STORAGE_URI": options.redis_url,
                "QUEUE_IMMEDIATE": False,
                "AUTHORISATION_CHECK_STRICT": False,
                "LOG_LEVEL": "WARNING",
            }
        )
        started = time.monotonic()
        users = prepare(app, options.users)
        print(f"prepared {len(users)} users in {time.monotonic() - started:.1f} s", flush=True)
        with tempfile.NamedTemporaryFile("w+", prefix="iisg-load-", suffix=".log") as log:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            server = subprocess.Popen(
                [
                    str(venv / "gunicorn"),
                    "--workers",
                    str(options.workers),
                    "--bind",
                    f"127.0.0.1:{port}",
                    "portal.wsgi:app",
                ],
                cwd=ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while not ready(url):
                if server.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise SystemExit(f"gunicorn is not ready:\n{log.read()[-3000:]}")
                time.sleep(0.2)
            run = drive(url, users, options, server.pid)
            healthz = bare(url, options.users, options.bare_seconds)
            report(run, healthz, options)
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        if options.owner_url:
            sys.path.insert(0, str(ROOT / "bench"))
            from generate_volume import migrate

            # The test identity key again, which bench/pages.py and the tests rely on.
            migrate(normalise_database_url(options.owner_url), options.database_url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
