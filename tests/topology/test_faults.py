"""Faults of the topology: an app server killed mid-write, PostgreSQL restarted under load.

Both tests run the servers as processes (``bench/topology.py``) and speak HTTP to them
as the reverse proxy would, with the clients of ``test_two_servers.py``. Each starts a
topology of its own: the first kills one of its servers, the second restarts its
database server, a private PostgreSQL cluster (``private_cluster``) so that nobody
else's database goes away.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from audit.chain import ADVISORY_LOCK_CLASS
from portal.config import normalise_database_url
from portal.errors import UNAVAILABLE_RETRY_SECONDS
from portal.extensions import db
from portal.identity import act_as_principal
from portal.services import api_tokens
from tests import factories
from tests.conftest import POSTGRES_ADMIN_URL, require_postgres
from tests.topology.test_two_servers import (
    Browser,
    chain_positions,
    person,
    require_redis,
    topology_redis_url,
    topology_script,
)

# Run by the same process as the other topology tests, one topology at a time.
pytestmark = pytest.mark.xdist_group("topology")
TENANTS = ("AL-MOI", "BA-MOI")
WAIT_SECONDS = 20


@contextlib.contextmanager
def portal_on(running) -> Iterator:
    """Give an app in this process on ``running``'s database, with a cycle and two partners."""
    app = running.app()
    with app.app_context():
        act_as_principal(None)
        db.session.add(factories.cycle())
        for code in TENANTS:
            factories.partner_tenant(code, code[:2])
        db.session.commit()
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def writer(tenant_code: str) -> tuple[int, str]:
    """Create an editor of ``tenant_code`` with an API token; return the tenant and token."""
    editor = person(("editor",), tenant_code)
    _token, secret = api_tokens.create(editor, {"name": "writer", "days": 1, "scope": "write"})
    return editor.tenant_id, secret


def post_need(server: str, token: str, title: str, timeout: float = 30) -> requests.Response:
    """Draft a need through ``server``'s API, as a script would."""
    return requests.post(
        f"{server}/api/v1/needs",
        json={
            "pillar": "WBCTi",
            "category": "legislative",
            "perspective": "prevention",
            "title": title,
            "description": "Written while the topology was failing.",
            "priority": "high",
        },
        headers={**topology_script.FORWARDED_HEADERS, "Authorization": f"Bearer {token}"},
        timeout=timeout,
    )


def superuser_engine(database: str, admin_url: str = POSTGRES_ADMIN_URL):
    """Return an engine on ``database`` as the administrator: it sees and may lock every row."""
    url = make_url(normalise_database_url(admin_url)).set(database=database)
    return create_engine(url, poolclass=NullPool)


def query(engine, sql: str, **parameters) -> list:
    with engine.connect() as connection:
        return connection.execute(text(sql), parameters).all()


def wait_for(check: Callable[[], bool], what: str, seconds: float = WAIT_SECONDS) -> None:
    """Poll ``check`` until it holds; fail saying ``what`` was awaited."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {seconds} s: {what}")
        time.sleep(0.1)


def waiting_backends(engine, role: str) -> dict[str, str]:
    """Return what each of ``role``'s backends blocked on a lock is running: query: wait event."""
    rows = query(
        engine,
        "SELECT query, wait_event FROM pg_stat_activity"
        " WHERE usename = :role AND wait_event_type = 'Lock'",
        role=role,
    )
    return {statement: event for statement, event in rows}


def open_transactions(engine, role: str) -> int:
    """Return how many of ``role``'s backends are inside a transaction (running or idle)."""
    rows = query(
        engine,
        "SELECT count(*) FROM pg_stat_activity WHERE usename = :role AND xact_start IS NOT NULL",
        role=role,
    )
    return rows[0][0]


def unmatched_needs(engine) -> tuple[set[str], set[str]]:
    """Return the needs without their creation in the trail, and the creations without a need.

    A need is whole when its row and the audit entry of its insertion are both there;
    the trail's entry carries the row as it was inserted, so the title is compared too.
    """
    rows = {f"{key}:{title}" for key, title in query(engine, "SELECT id::text, title FROM needs")}
    entries = {
        f"{key}:{title}"
        for key, title in query(
            engine,
            "SELECT new_row ->> 'id', new_row ->> 'title' FROM audit_entries"
            " WHERE table_name = 'needs' AND operation = 'I'",
        )
    }
    return rows - entries, entries - rows


def titles(engine) -> set[str]:
    return {title for (title,) in query(engine, "SELECT title FROM needs")}


def assert_chains_verify(running, chains: list[int]) -> None:
    """Seal what is left, verify every chain, and find each tenant's positions gapless."""
    sealed = running.iisg("audit", "seal")
    verified = running.iisg("audit", "verify")
    positions = chain_positions(running.owner_url, chains)
    assert sealed.returncode == 0, sealed.stderr
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "BROKEN" not in verified.stdout
    for chain in chains:
        assert f"chain {chain}: intact" in verified.stdout, verified.stdout
        assert positions[chain] == list(range(1, len(positions[chain]) + 1)), positions


@pytest.fixture
def two_servers():
    """Two app servers on the suite's PostgreSQL, either of which a test may kill."""
    require_postgres()
    require_redis()
    with (
        topology_script.topology(
            servers=2,
            gunicorn_workers=2,
            admin_url=POSTGRES_ADMIN_URL,
            redis_url=topology_redis_url(),
            worker=False,
        ) as running,
        portal_on(running),
    ):
        yield running


def blocked_writes(engine, role: str) -> list[str]:
    """Return the wait events of ``role``'s need inserts and seals blocked on a lock, sorted."""
    return sorted(
        event
        for statement, event in waiting_backends(engine, role).items()
        if "INSERT INTO needs" in statement or "pg_advisory_xact_lock" in statement
    )


def test_an_app_server_killed_mid_write_leaves_nothing_half_written(two_servers):
    """SIGKILL one server's gunicorn (master and workers) while two of its writes are open.

    "Mid-write" is made certain rather than hoped for: the test holds two locks in the
    database, and kills the server only once PostgreSQL shows its two workers blocked on
    them (``pg_stat_activity``):

    - the first partner's need is inserted, inside its transaction, and the check of its
      foreign key waits for the partner's row (locked FOR UPDATE by the test): the row
      is written, uncommitted, and its audit entry not yet;
    - the second partner's need is committed, and the seal that follows the request
      waits for the chain's advisory lock: entries written, not yet in the chain.

    The processes die at once, closing nothing; then the locks are released. Neither
    client gets an answer. What must hold: the first need is nowhere, the second is
    whole (row and its entry), no transaction of the dead server is left open, the
    other server signs people in and writes, and every chain verifies without a gap
    once ``iisg audit seal`` has sealed what the killed seal could not.
    """
    running = two_servers
    first, second = running.servers
    app_role = make_url(running.app_url).username
    writers = {code: writer(code) for code in TENANTS}
    (lost_tenant, lost_token), (kept_tenant, kept_token) = writers.values()
    viewer = person()
    engine = superuser_engine(running.database)
    holder = engine.connect()
    try:
        # The locks go first on the way out: a write still waiting then ends by itself.
        with ThreadPoolExecutor(2) as pool, holder.begin():
            holder.execute(
                text("SELECT id FROM tenants WHERE id = :id FOR UPDATE"), {"id": lost_tenant}
            )
            holder.execute(
                text("SELECT pg_advisory_xact_lock(:lock_class, :chain)"),
                {"lock_class": ADVISORY_LOCK_CLASS, "chain": kept_tenant},
            )
            # One after the other, so that each of the server's two workers takes one.
            lost = pool.submit(post_need, first, lost_token, "Lost with its server")
            wait_for(
                lambda: len(blocked_writes(engine, app_role)) == 1,
                "the first write blocked inside its transaction",
            )
            kept = pool.submit(post_need, first, kept_token, "Committed, answer lost")
            wait_for(
                lambda: len(blocked_writes(engine, app_role)) == 2,
                "the second write blocked in its seal",
            )
            events = blocked_writes(engine, app_role)
            running.kill("app1")
            answers = [future.exception(timeout=30) or future.result() for future in (lost, kept)]
    finally:
        holder.close()

    wait_for(lambda: open_transactions(engine, app_role) == 0, "the dead server's work ended")
    # The insert waited for the partner's row (its transaction, or the row's lock).
    assert events in (["advisory", "transactionid"], ["advisory", "tuple"]), events
    assert all(isinstance(answer, requests.ConnectionError) for answer in answers), answers
    # The other server serves: sign-in with both factors, pages, and writes.
    browser = Browser(second).sign_in(viewer, second)
    assert browser.signed_in_on(second)
    after = [
        post_need(second, token, f"After the crash, {tenant}") for tenant, token in writers.values()
    ]
    assert [answer.status_code for answer in after] == [201, 201], [a.text for a in after]

    written = titles(engine)
    assert "Lost with its server" not in written
    assert "Committed, answer lost" in written
    assert unmatched_needs(engine) == (set(), set())
    engine.dispose()
    assert_chains_verify(running, [lost_tenant, kept_tenant])


@dataclass
class Answer:
    """What one request during the restart got: when, and its status or the error raised."""

    client: str
    at: float
    status: int | None
    retry_after: str | None = None
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def logged_errors(running) -> str:
    """Return what the servers logged as errors: the portal's, and gunicorn's tracebacks."""
    reported, inside = [], False
    for line in running.logs(tail=None).splitlines():
        # gunicorn writes "[date] [pid] [ERROR] ..." then the traceback, line by line.
        starts = line.startswith(("{", "[", "---")) or line[:1].isdigit()
        if '"level": "error"' in line or "[ERROR]" in line:
            inside = True
        elif starts:
            inside = False
        if inside:
            reported.append(line)
    return "\n".join(reported)


@pytest.fixture
def restartable():
    """One app server on a private PostgreSQL cluster that the test may restart."""
    require_redis()
    try:
        topology_script.postgres_program("initdb")
    except RuntimeError as error:
        require_postgres()
        pytest.skip(str(error))
    with (
        topology_script.private_cluster() as cluster,
        topology_script.topology(
            servers=1,
            gunicorn_workers=2,
            admin_url=cluster.admin_url,
            redis_url=topology_redis_url(),
            worker=False,
        ) as running,
        portal_on(running),
    ):
        yield cluster, running


def load(clients: dict[str, Callable], stop: threading.Event) -> list[Answer]:
    """Run each client's request in a loop of its own until ``stop``; return every answer."""

    def loop(name: str, request: Callable) -> list[Answer]:
        answers = []
        while not stop.is_set():
            try:
                response = request()
            except requests.RequestException as error:
                answers.append(Answer(name, time.monotonic(), None, error=repr(error)))
            else:
                retry = response.headers.get("Retry-After")
                answers.append(Answer(name, time.monotonic(), response.status_code, retry))
            time.sleep(0.05)
        return answers

    with ThreadPoolExecutor(len(clients)) as pool:
        futures = [pool.submit(loop, name, request) for name, request in clients.items()]
        return [answer for future in futures for answer in future.result()]


def test_a_postgresql_restart_under_load_is_503_with_retry_after_then_service_resumes(
    restartable,
):
    """Stop PostgreSQL (fast: every session ended) under load, keep it down, start it again.

    Two people read pages, a script reads the API and two scripts write needs, all the
    time, through one gunicorn server. While the database is down each request is
    answered 503 with ``Retry-After`` (or, begun before the stop, still succeeds): never
    a 500, never a dropped connection. Once the database is back the same server
    processes answer every client again within seconds, nothing half-written is left,
    and the chain verifies.
    """
    cluster, running = restartable
    [server] = running.servers
    tenant, token = writer(TENANTS[0])
    readers = [Browser(server).sign_in(person(), server) for _ in range(2)]
    api_headers = {**topology_script.FORWARDED_HEADERS, "Authorization": f"Bearer {token}"}
    written = iter(range(1_000_000))
    clients = {
        "dashboard": lambda: readers[0].get("/"),
        "needs page": lambda: readers[1].get("/needs"),
        "api reader": lambda: requests.get(
            f"{server}/api/v1/needs", headers=api_headers, timeout=30
        ),
        **{
            f"api writer {number}": lambda: post_need(server, token, f"Need {next(written)}")
            for number in (1, 2)
        },
    }
    process_ids = {label: process.pid for label, process in running.processes.items()}
    # This process's own connection would die with the restart too: given back now.
    db.session.remove()
    stop = threading.Event()
    with ThreadPoolExecutor(1) as pool:
        answers_future = pool.submit(load, clients, stop)
        try:
            time.sleep(1.5)
            stopped_at = time.monotonic()
            cluster.stop("fast")
            time.sleep(UNAVAILABLE_RETRY_SECONDS / 2)
            cluster.start()
            started_at = time.monotonic()
            time.sleep(UNAVAILABLE_RETRY_SECONDS * 2)
        finally:
            stop.set()
        answers = answers_future.result()

    def since(moment: float) -> list[Answer]:
        return [answer for answer in answers if answer.at >= moment]

    unexpected = [answer for answer in answers if answer.status not in (200, 201, 503)]
    assert not unexpected, (unexpected, logged_errors(running))
    unavailable = [answer for answer in answers if answer.status == 503]
    assert all(answer.retry_after for answer in unavailable), unavailable
    # The outage was seen by every client: requests did run while the database was down.
    assert {answer.client for answer in unavailable} == set(clients)
    assert all(stopped_at <= answer.at for answer in unavailable)
    # Every client is served again, by the same processes, without a restart of the app.
    recovered = {}
    for answer in since(started_at):
        if answer.succeeded and answer.client not in recovered:
            recovered[answer.client] = answer.at - started_at
    assert set(recovered) == set(clients), recovered
    assert max(recovered.values()) < UNAVAILABLE_RETRY_SECONDS, recovered
    assert all(answer.succeeded for answer in since(started_at + UNAVAILABLE_RETRY_SECONDS))
    assert {label: process.pid for label, process in running.processes.items()} == process_ids
    assert all(process.poll() is None for process in running.processes.values())
    assert "unhandled_error" not in running.logs(tail=None), logged_errors(running)

    engine = superuser_engine(running.database, cluster.admin_url)
    try:
        assert unmatched_needs(engine) == (set(), set())
    finally:
        engine.dispose()
    assert_chains_verify(running, [tenant])
    # The wait asked for is the one the page and the API's message give: 5 seconds.
    waits = {(answer.client, answer.retry_after) for answer in unavailable}
    assert {wait for _client, wait in waits} == {str(UNAVAILABLE_RETRY_SECONDS)}, waits
