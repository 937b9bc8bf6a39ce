"""Two servers, one truth: two gunicorn app servers, a worker, PostgreSQL and Redis.

The topology of docs/operations.md runs as processes (``bench/topology.py``), started
once for the module: every test speaks HTTP to both servers as the reverse proxy would,
and what one server learns (a failed sign-in, a session ended, an audit entry) the
other must know at once. Each test uses people and client addresses of its own.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis
import requests
from sqlalchemy import create_engine, select, text
from sqlalchemy.pool import NullPool

from portal.config import normalise_database_url
from portal.extensions import db
from portal.identity import act_as_principal
from portal.models import Tenant, User
from portal.services import api_tokens
from tests import factories
from tests.conftest import POSTGRES_ADMIN_URL, fresh_code, require_postgres

TEST_REDIS_URL = os.environ.get("IISG_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
WRITERS = 8
NEEDS_PER_WRITER = 5


def _load_topology_script():
    path = Path(__file__).resolve().parents[2] / "bench" / "topology.py"
    spec = importlib.util.spec_from_file_location("bench_topology", path)
    module = importlib.util.module_from_spec(spec)
    # Registered first: its dataclasses look their module up by name.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


topology_script = _load_topology_script()
# One process of a parallel run starts the servers, once, for all of the module's tests.
pytestmark = pytest.mark.xdist_group("topology")


def topology_redis_url() -> str:
    """Return the topology's Redis: the test Redis server, a database the suite never empties."""
    return urlsplit(TEST_REDIS_URL)._replace(path="/14").geturl()


def require_redis() -> None:
    """Skip without Redis, or fail when ``REQUIRE_REDIS=1`` demands it."""
    client = redis.Redis.from_url(topology_redis_url(), socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        message = f"Redis at {topology_redis_url()} does not answer: {error}"
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"{message} (REQUIRE_REDIS=1)", pytrace=False)
        pytest.skip(message)
    finally:
        client.close()


@pytest.fixture(scope="module")
def running():
    """Start the two servers and the worker once for the module's tests."""
    require_postgres()
    require_redis()
    with topology_script.topology(
        servers=2,
        gunicorn_workers=2,
        admin_url=POSTGRES_ADMIN_URL,
        redis_url=topology_redis_url(),
    ) as started:
        yield started


@pytest.fixture(scope="module")
def portal(running):
    """An app in this process on the topology's database, for people, tokens and checks."""
    app = running.app()
    with app.app_context():
        act_as_principal(None)
        db.session.add(factories.cycle())
        factories.partner_tenant("AL-MOI", "AL")
        factories.partner_tenant("BA-MOI", "BA")
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


def person(roles=("viewer",), tenant_code="AL-MOI") -> User:
    """Create a user of ``tenant_code`` enrolled with the test authenticator secret."""
    tenant = db.session.scalar(select(Tenant).where(Tenant.code == tenant_code))
    user = factories.user(tenant, email=f"{uuid.uuid4().hex[:12]}@ministry.example", roles=roles)
    db.session.commit()
    return user


def client_address() -> str:
    """Return an address of the documentation range, so no two tests share a sign-in limit."""
    return f"198.51.100.{uuid.uuid4().int % 250 + 1}"


class Browser:
    """One person's browser behind the proxy: it keeps its cookies and may use either server.

    The cookies are ``Secure`` (production), so they are kept and sent here rather than
    by a cookie jar, which would not send them over the proxy's plain HTTP hop.
    """

    def __init__(self, server: str, address: str | None = None):
        self.server = server
        self.address = address or client_address()
        self.cookies: dict[str, str] = {}

    def open(self, method: str, path: str, server: str | None = None, **options):
        headers = {
            **topology_script.FORWARDED_HEADERS,
            "X-Forwarded-For": self.address,
            # Flask-WTF checks that a form over HTTPS comes from the portal's own pages.
            "Referer": f"https://{topology_script.PUBLIC_HOST}/",
            **options.pop("headers", {}),
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        answer = requests.request(
            method,
            (server or self.server) + path,
            headers=headers,
            allow_redirects=False,
            timeout=60,
            **options,
        )
        for line in answer.raw.headers.getlist("Set-Cookie"):
            for name, morsel in SimpleCookie(line).items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return answer

    def get(self, path: str, server: str | None = None):
        return self.open("GET", path, server)

    def post_form(self, path: str, fields: dict, form_page: str, server: str | None = None):
        """Open ``form_page`` for its CSRF token, then post ``fields`` to ``path``."""
        page = self.get(form_page, server).text
        token = CSRF_FIELD.search(page)
        assert token, f"no CSRF token on {form_page}: {page[:300]}"
        return self.open("POST", path, server, data={**fields, "csrf_token": token.group(1)})

    def password_step(self, email: str, password: str, server: str | None = None):
        return self.post_form(
            "/auth/login", {"email": email, "password": password}, "/auth/login", server
        )

    def sign_in(self, user: User, server: str | None = None) -> Browser:
        """Pass both factors through the pages of ``server``."""
        answer = self.password_step(user.email, factories.PASSWORD, server)
        assert answer.status_code == 302, answer.text[:500]
        code = fresh_code(user.id, user.email)
        answer = self.post_form("/auth/2fa", {"code": code}, "/auth/2fa", server)
        assert answer.status_code == 302, answer.text[:500]
        return self

    def signed_in_on(self, server: str) -> bool:
        """Return whether ``server`` shows this browser the dashboard."""
        answer = self.get("/", server)
        if answer.status_code == 302:
            assert "/auth/login" in answer.headers["Location"]
            return False
        assert answer.status_code == 200, answer.text[:300]
        return True


def test_both_servers_are_ready_behind_the_proxy_headers(running):
    answers = [
        requests.get(f"{server}/readyz", headers=topology_script.FORWARDED_HEADERS, timeout=10)
        for server in running.servers
    ]

    assert [answer.json() for answer in answers] == [{"status": "ready", "database": "ok"}] * 2
    # Both run with the production settings.
    assert all("Strict-Transport-Security" in answer.headers for answer in answers)


def test_failed_sign_ins_split_between_the_servers_lock_the_account(running, portal):
    first, second = running.servers
    user = person()
    browser = Browser(first)

    # Nine wrong passwords, alternating servers: together they have seen nine, one short
    # of the lockout.
    wrong = [
        browser.password_step(user.email, "not the password at all", server)
        for server in [first, second] * 4 + [first]
    ]
    assert [answer.status_code for answer in wrong] == [401] * 9
    db.session.expire_all()
    assert db.session.get(User, user.id).locked_until is None

    tenth = browser.password_step(user.email, "not the password at all", second)
    right_on_first = Browser(first).password_step(user.email, factories.PASSWORD)
    right_on_second = Browser(second).password_step(user.email, factories.PASSWORD)

    db.session.expire_all()
    assert tenth.status_code == 401
    assert db.session.get(User, user.id).locked_until is not None
    assert (right_on_first.status_code, right_on_second.status_code) == (401, 401)


def test_the_sign_in_limit_of_an_address_is_counted_on_both_servers(running, portal):
    first, second = running.servers
    address = client_address()
    limit = portal.config["LOGIN_RATE_LIMIT"]
    allowed = int(limit.split()[0])
    unknown = [f"nobody-{number}@ministry.example" for number in range(allowed)]

    def fail(number: int):
        server = running.servers[number % 2]
        return Browser(server, address).password_step(unknown[number], "wrong password 123")

    # Fifteen failures on each server: neither alone reaches the address's limit.
    with ThreadPoolExecutor(4) as pool:
        failures = list(pool.map(fail, range(allowed)))
    over = [
        Browser(server, address).password_step(unknown[0], "wrong") for server in (first, second)
    ]
    elsewhere = Browser(first).password_step(unknown[0], "wrong password 123")

    assert [answer.status_code for answer in failures] == [401] * allowed
    assert [answer.status_code for answer in over] == [429, 429]
    assert all("Retry-After" in answer.headers for answer in over)
    # Another address is not held back by this one's failures.
    assert elsewhere.status_code == 401


def test_a_session_signed_out_on_one_server_is_dead_on_the_other(running, portal):
    first, second = running.servers
    browser = Browser(first).sign_in(person(), first)
    copied = dict(browser.cookies)
    assert browser.signed_in_on(second)

    answer = browser.post_form("/auth/logout", {}, "/", second)

    assert answer.status_code == 302
    thief = Browser(first, browser.address)
    thief.cookies = copied
    assert not thief.signed_in_on(first)
    assert not thief.signed_in_on(second)


def test_a_session_ended_from_the_sessions_page_is_dead_on_the_other_server(running, portal):
    first, second = running.servers
    user = person()
    laptop = Browser(first).sign_in(user, first)
    phone = Browser(second).sign_in(user, second)
    page = laptop.get("/account/sessions", second).text
    ends = re.findall(r'action="/account/sessions/(\d+)/end"', page)
    assert len(ends) == 1, page[:500]
    # Each session is listed with its browser's address, as the proxy forwarded it.
    assert laptop.address in page and phone.address in page

    answer = laptop.post_form(
        f"/account/sessions/{ends[0]}/end", {"confirm": "yes"}, "/account/sessions", second
    )

    assert answer.status_code == 302
    assert not phone.signed_in_on(first)
    assert not phone.signed_in_on(second)
    assert laptop.signed_in_on(first) and laptop.signed_in_on(second)


def chain_positions(owner_url: str, chain_ids: list[int]) -> dict[int, list[int]]:
    """Return the sealed positions of each chain, read as the schema owner."""
    engine = create_engine(normalise_database_url(owner_url), poolclass=NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(text("SELECT set_config('iisg.mode', 'system', true)"))
            rows = connection.execute(
                text(
                    "SELECT chain_id, position FROM audit_chain_links"
                    " WHERE chain_id = ANY(:chains) ORDER BY chain_id, position"
                ),
                {"chains": chain_ids},
            ).all()
    finally:
        engine.dispose()
    positions: dict[int, list[int]] = {chain: [] for chain in chain_ids}
    for chain, position in rows:
        positions[chain].append(position)
    return positions


def test_eight_writers_on_both_servers_make_one_gapless_chain_per_tenant(running, portal):
    editors = [person(("editor",), code) for code in ("AL-MOI", "BA-MOI")]
    tokens = []
    for number in range(WRITERS):
        _token, secret = api_tokens.create(
            editors[number % 2], {"name": f"writer {number}", "days": 1, "scope": "write"}
        )
        tokens.append(secret)
    start = threading.Barrier(WRITERS)

    def write(number: int) -> list[int]:
        # Tenants alternate, and each tenant's writers use both servers.
        server = running.servers[(number // 2) % 2]
        start.wait()
        answers = []
        for made in range(NEEDS_PER_WRITER):
            answer = requests.post(
                f"{server}/api/v1/needs",
                json={
                    "pillar": "WBCTi",
                    "category": "legislative",
                    "perspective": "prevention",
                    "title": f"Need {made} of writer {number}",
                    "description": "Written at the same time as seven other writers.",
                    "priority": "high",
                },
                headers={
                    **topology_script.FORWARDED_HEADERS,
                    "Authorization": f"Bearer {tokens[number]}",
                    "Idempotency-Key": uuid.uuid4().hex,
                },
                timeout=60,
            )
            answers.append(answer.status_code)
        return answers

    with ThreadPoolExecutor(WRITERS) as pool:
        answers = [status for statuses in pool.map(write, range(WRITERS)) for status in statuses]
    sealed = running.iisg("audit", "seal")
    verified = running.iisg("audit", "verify")
    chains = [editor.tenant_id for editor in editors]
    positions = chain_positions(running.owner_url, chains)

    assert answers == [201] * WRITERS * NEEDS_PER_WRITER, running.logs()
    # Sealers on both servers waited for each other: none failed and left its entries to
    # a later seal.
    assert "audit_seal_failed" not in running.logs(tail=None)
    assert sealed.returncode == 0, sealed.stderr
    assert verified.returncode == 0, verified.stdout + verified.stderr
    for chain in chains:
        assert f"chain {chain}: intact" in verified.stdout, verified.stdout
        # Every need and its writes are in its tenant's chain, at positions without a gap.
        assert len(positions[chain]) >= WRITERS // 2 * NEEDS_PER_WRITER
        assert positions[chain] == list(range(1, len(positions[chain]) + 1))
    assert "BROKEN" not in verified.stdout
