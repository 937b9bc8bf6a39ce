"""Run the production topology as processes on one machine: two app servers, one worker.

    python bench/topology.py                      # start, print the addresses, wait for Ctrl+C
    python bench/topology.py --servers 2 --workers 2 --redis-url redis://127.0.0.1:6379/14

What ``docker-compose.yml`` runs in containers (docs/operations.md), here as processes:
a fresh PostgreSQL database owned by an owner role that runs the migrations
(``iisg db upgrade``), the app servers connecting as an app role that owns nothing,
each a gunicorn of its own on a port of its own, and ``iisg worker``, all with the
environment of a production installation behind one reverse proxy
(``IISG_ENV=production``, ``IISG_TRUSTED_PROXIES=1``, Redis for the sign-in limits and
the job queue). Everything made is taken down at the end: processes stopped, database
and roles dropped.

Clients speak to the servers as the proxy would: plain HTTP carrying
``X-Forwarded-Proto: https``, ``X-Forwarded-Host`` and ``X-Forwarded-For``
(``FORWARDED_HEADERS``). Session cookies are then ``Secure`` and ``__Host-`` named, so a
client keeps them itself rather than through a cookie jar that would not send them over
HTTP (tests/topology).

Tests use ``topology()`` as a context manager; ``Topology.app()`` gives an app in the
calling process with the servers' settings, to create tenants and users directly.
``Topology.kill()`` crashes one process on purpose, and ``private_cluster()`` gives a
PostgreSQL server of the test's own to restart (tests/topology/test_faults.py).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from portal.config import generate_production_keys  # noqa: E402

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
# Not the test suite's Redis database, which its tests empty while they run.
REDIS_URL = "redis://127.0.0.1:6379/14"
# The address users reach; the proxy passes it on as X-Forwarded-Host.
PUBLIC_HOST = "iisg.topology.test"
READY_SECONDS = 60
STOP_SECONDS = 15


def _executable(name: str) -> str:
    """Return the console script ``name`` of the interpreter running this (the venv's)."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else name


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


@dataclass
class Topology:
    """What a running topology offers: its servers' addresses, its database and settings."""

    database: str
    owner_url: str
    app_url: str
    redis_url: str
    environment: dict[str, str]
    servers: list[str] = field(default_factory=list)
    log_folder: Path | None = None
    # Each process by its label (app1, app2, worker), to stop one on purpose.
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def app(self):
        """Return an app in this process with the servers' database, keys and Redis."""
        from portal import create_app
        from portal.config import normalise_database_url

        keys = self.environment
        return create_app(
            {
                "SQLALCHEMY_DATABASE_URI": normalise_database_url(self.app_url),
                "MIGRATION_DATABASE_URI": normalise_database_url(self.owner_url),
                "SECRET_KEY": keys["IISG_SECRET_KEY"],
                "ENCRYPTION_KEY": _decode(keys["IISG_ENCRYPTION_KEY"]),
                "AUDIT_SIGNING_KEY": _decode(keys["IISG_AUDIT_SIGNING_KEY"]),
                # Derived from the secret key, as in the servers, not the test suite's.
                "DATABASE_IDENTITY_KEY": None,
                "REDIS_URL": self.redis_url,
                "RATELIMIT_STORAGE_URI": self.redis_url,
                "QUEUE_IMMEDIATE": False,
                "AUTHORISATION_CHECK_STRICT": False,
            }
        )

    def iisg(self, *arguments: str, timeout: float = 120) -> subprocess.CompletedProcess:
        """Run an ``iisg`` command against this topology and return what it did."""
        return subprocess.run(
            [_executable("iisg"), *arguments],
            env=self.environment,
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def kill(self, label: str) -> None:
        """SIGKILL process ``label`` and everything it started, as a crash would end it."""
        process = self.processes[label]
        # The process group: a gunicorn master and its workers die at the same instant,
        # without finishing a request or closing a connection.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(STOP_SECONDS)

    def logs(self, tail: int | None = 4000) -> str:
        """Return every process's log (the last ``tail`` characters of each, None: all)."""
        if self.log_folder is None:
            return ""
        parts = []
        for path in sorted(self.log_folder.glob("*.log")):
            text = path.read_text(errors="replace")
            parts.append(f"--- {path.name}\n{text[-tail:] if tail else text}")
        return "\n".join(parts)


FORWARDED_HEADERS = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": PUBLIC_HOST}


def readiness(url: str) -> str | None:
    """Return None when the server at ``url`` is ready, else what it (or the socket) says."""
    request = urllib.request.Request(f"{url}/readyz", headers=FORWARDED_HEADERS)
    try:
        with urllib.request.urlopen(request, timeout=2):
            return None
    except urllib.error.HTTPError as error:
        return f"{error.code} {error.read().decode(errors='replace')}"
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        return str(error)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    # The process group: gunicorn's workers and the worker's threads go with it.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(STOP_SECONDS)


@contextlib.contextmanager
def topology(
    servers: int = 2,
    gunicorn_workers: int = 2,
    admin_url: str = ADMIN_URL,
    redis_url: str = REDIS_URL,
    worker: bool = True,
    server_settings: Mapping[int, Mapping[str, str]] | None = None,
) -> Iterator[Topology]:
    """Create the database and roles, migrate, start the servers and the worker; undo it all.

    ``server_settings`` changes the environment of one server (numbered from 1), to try
    what a misconfigured server does to the others.
    """
    suffix = uuid.uuid4().hex[:10]
    name = f"iisg_topology_{suffix}"
    owner, app_role = f"iisg_topology_owner_{suffix}", f"iisg_topology_app_{suffix}"
    passwords = {owner: secrets.token_urlsafe(16), app_role: secrets.token_urlsafe(16)}
    base = make_url(admin_url).set(drivername="postgresql")

    def role_url(role: str) -> str:
        url = base.set(database=name, username=role, password=passwords[role])
        return url.render_as_string(hide_password=False)

    admin = create_engine(
        base.set(drivername="postgresql+psycopg"),
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 5},
        # A connection is tried before use: a test may have restarted the server since.
        pool_pre_ping=True,
    )
    # Children get no IISG_ setting of this process: only the topology's own.
    environment = {key: value for key, value in os.environ.items() if not key.startswith("IISG_")}
    environment.update(generate_production_keys())
    environment.update(
        {
            "IISG_ENV": "production",
            "IISG_DATABASE_URL": role_url(app_role),
            "IISG_MIGRATION_DATABASE_URL": role_url(owner),
            "IISG_REDIS_URL": redis_url,
            "IISG_BASE_URL": f"https://{PUBLIC_HOST}",
            "IISG_TRUSTED_PROXIES": "1",
            "IISG_LOG_LEVEL": "WARNING",
        }
    )
    created = False
    with (
        tempfile.TemporaryDirectory(prefix="iisg-topology-") as folder,
        contextlib.ExitStack() as log_files,
    ):
        logs = Path(folder)
        running = Topology(
            database=name,
            owner_url=role_url(owner),
            app_url=role_url(app_role),
            redis_url=redis_url,
            environment=environment,
            log_folder=logs,
        )

        def start(label: str, command: list[str], settings: Mapping[str, str]) -> None:
            log = log_files.enter_context(open(logs / f"{label}.log", "w"))
            running.processes[label] = subprocess.Popen(
                command,
                env={**environment, **settings},
                cwd=PROJECT_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

        try:
            with admin.connect() as connection:
                for role, password in passwords.items():
                    connection.execute(text(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'"))
                connection.execute(text(f'CREATE DATABASE "{name}" OWNER "{owner}"'))
            created = True
            migrated = running.iisg("db", "upgrade")
            if migrated.returncode:
                raise RuntimeError(f"iisg db upgrade failed:\n{migrated.stderr}")
            for number in range(1, servers + 1):
                port = _free_port()
                start(
                    f"app{number}",
                    [
                        _executable("gunicorn"),
                        "--bind",
                        f"127.0.0.1:{port}",
                        "--workers",
                        str(gunicorn_workers),
                        "--access-logfile",
                        "-",
                        "portal.wsgi:app",
                    ],
                    (server_settings or {}).get(number, {}),
                )
                running.servers.append(f"http://127.0.0.1:{port}")
            if worker:
                start("worker", [_executable("iisg"), "worker"], {})
            deadline = time.monotonic() + READY_SECONDS
            waiting = {url: "not asked yet" for url in running.servers}
            while waiting:
                if any(process.poll() is not None for process in running.processes.values()):
                    raise RuntimeError(f"a process of the topology stopped:\n{running.logs()}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"not ready in {READY_SECONDS} s: {waiting}")
                answers = {url: readiness(url) for url in waiting}
                waiting = {url: answer for url, answer in answers.items() if answer}
                if waiting:
                    time.sleep(0.2)
            yield running
        finally:
            for process in running.processes.values():
                _stop(process)
            if created:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            with admin.connect() as connection:
                for role in passwords:
                    connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
            admin.dispose()


def postgres_program(name: str) -> str:
    """Return PostgreSQL's server program ``name`` (initdb, pg_ctl): on the PATH or Debian's."""
    found = shutil.which(name)
    if found:
        return found
    # Debian and Ubuntu keep the server's programs out of the PATH, one folder per version.
    versions = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0,
    )
    if not versions:
        raise RuntimeError(f"PostgreSQL's {name} is not installed")
    return str(versions[-1])


@dataclass
class Cluster:
    """A PostgreSQL server of its own, to stop and start without disturbing anyone else's."""

    folder: Path
    port: int
    # What runs a command as the cluster's owner: initdb and postgres refuse root.
    as_owner: list[str]

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def pg_ctl(self, *arguments: str) -> None:
        """Run ``pg_ctl`` on this cluster as its owner; raise with its output if it fails."""
        done = subprocess.run(
            [*self.as_owner, postgres_program("pg_ctl"), "-D", str(self.data), *arguments],
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode:
            raise RuntimeError(f"pg_ctl {' '.join(arguments)} failed:\n{done.stdout}{done.stderr}")

    def start(self) -> None:
        """Start the server and wait until it takes connections."""
        self.pg_ctl("start", "--wait", "--log", str(self.folder / "postgresql.log"))

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: ``fast`` ends every session at once, as a restart does."""
        self.pg_ctl("stop", "--wait", "--mode", mode)

    def log(self) -> str:
        path = self.folder / "postgresql.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextlib.contextmanager
def private_cluster() -> Iterator[Cluster]:
    """Create and start a throw-away PostgreSQL cluster on a free port; stop and remove it.

    Run as root, the cluster belongs to the ``postgres`` account (initdb will not run as
    root). Anyone connecting from this machine is trusted: it listens on 127.0.0.1 only.
    """
    as_owner: list[str] = []
    owner = None
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        as_owner = ["runuser", "-u", "postgres", "--"]
    folder = Path(tempfile.mkdtemp(prefix="iisg-cluster-"))
    cluster = Cluster(folder=folder, port=_free_port(), as_owner=as_owner)
    started = False
    try:
        if owner is not None:
            os.chown(folder, owner.pw_uid, owner.pw_gid)
        made = subprocess.run(
            [
                *as_owner,
                postgres_program("initdb"),
                "--pgdata",
                str(cluster.data),
                "--username",
                "postgres",
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                "--no-sync",
            ],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if made.returncode:
            raise RuntimeError(f"initdb failed:\n{made.stdout}{made.stderr}")
        with open(cluster.data / "postgresql.conf", "a") as settings:
            settings.write(
                f"port = {cluster.port}\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{folder}'\n"
                # Throw-away data: no need to wait for the disk.
                "fsync = off\n"
                "synchronous_commit = off\n"
                "full_page_writes = off\n"
            )
        started = True
        cluster.start()
        yield cluster
    finally:
        if started:
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                cluster.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


def main(argv=None) -> None:
    """Start the topology, print where it answers, and take it down on Ctrl+C."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", type=int, default=2, help="app servers (gunicorn)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--admin-url", default=ADMIN_URL, help="PostgreSQL administrative URL")
    parser.add_argument("--redis-url", default=REDIS_URL, help="Redis the servers share")
    options = parser.parse_args(argv)
    started = time.monotonic()
    with topology(
        options.servers, options.workers, options.admin_url, options.redis_url
    ) as running:
        print(f"ready in {time.monotonic() - started:.1f} s; database {running.database}")
        for number, url in enumerate(running.servers, 1):
            print(f"app{number}: {url}  (send X-Forwarded-Proto: https, as the proxy does)")
        print("Ctrl+C stops the servers and the worker, and drops the database and roles.")
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()
    print("taken down")


if __name__ == "__main__":
    main()
