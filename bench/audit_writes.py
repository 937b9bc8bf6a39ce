"""Measure what the audit trail costs a single-row write on PostgreSQL.

Three databases are built from the portal's own migrations, with the same owner and
application roles as in production:

- ``audited``: as migrated, the capture triggers on;
- ``off``: the same, with every capture trigger dropped;
- ``continuum``: the same, capture triggers dropped, and the ``needs`` table versioned
  by SQLAlchemy-Continuum through a plain declarative model of its columns.

The same workload runs on each, interleaved operation by operation (the order rotates),
so a busy moment of a shared machine falls on all three alike: a single-row INSERT of a
need then COMMIT, and a single-row UPDATE of a need's title (load it, change it,
COMMIT), each in a fresh session as a request would have, as a signed-in partner editor.
The statements the application sends per write are counted with SQLAlchemy's
``before_cursor_execute`` event. Everything the script creates is dropped at the end.

Run: ``python bench/audit_writes.py [--rounds N] [--operations N] [--admin-url URL]``
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

# Run as a script from anywhere: the portal's packages live beside this folder.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import (  # noqa: E402
    CheckConstraint,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    create_engine,
    event,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, configure_mappers, mapped_column  # noqa: E402

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
MODES = ("audited", "off", "continuum")
OPERATIONS = ("insert", "update")
AUDITED_LIMIT = 1.25  # audited write / the same write with auditing off (median)


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Single-row INSERT and UPDATE of a need on PostgreSQL with the audit"
        " trail's capture triggers on, with them off, and with SQLAlchemy-Continuum"
        " versioning the same table; prints median and p95 per operation, the ratios,"
        " the statements sent per write, and whether the targets of docs/benchmarks.md are met.",
    )
    parser.add_argument(
        "--rounds", type=int, default=10, help="measured rounds (default 10; one more warms up)"
    )
    parser.add_argument(
        "--operations",
        type=int,
        default=100,
        help="inserts and as many updates per mode in each round (default 100)",
    )
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("IISG_TEST_POSTGRES_URL", DEFAULT_ADMIN_URL),
        help="administrative PostgreSQL URL that may create and drop databases and roles"
        " (default: $IISG_TEST_POSTGRES_URL, else %(default)s)",
    )
    arguments = parser.parse_args(argv)
    if arguments.rounds < 1 or arguments.operations < 1:
        parser.error("--rounds and --operations must be at least 1")
    return arguments


# --- Databases ----------------------------------------------------------------------


class Databases:
    """The roles and databases of one run, created from the portal's migrations."""

    def __init__(self, admin_url: str):
        suffix = uuid.uuid4().hex[:10]
        self.admin_url = make_url(admin_url).set(drivername="postgresql+psycopg")
        self.prefix = f"iisg_bench_{suffix}"
        self.owner = f"iisg_bench_owner_{suffix}"
        self.app_role = f"iisg_bench_app_{suffix}"
        self.admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        self.created_roles: list[str] = []
        self.created_databases: list[str] = []

    def name(self, mode: str) -> str:
        return f"{self.prefix}_{mode}"

    def url(self, mode: str, role: str | None = None) -> str:
        url = self.admin_url.set(database=self.name(mode), username=role or self.app_role)
        return url.render_as_string(hide_password=False)

    def _admin(self, statement: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(statement))

    def build(self) -> None:
        """Create the roles and the three databases, migrated like a real installation."""
        from flask_migrate import upgrade

        from audit.triggers import CAPTURE_TRIGGER
        from portal import create_app
        from portal.extensions import db
        from portal.record_types import REGISTRY

        for role in (self.owner, self.app_role):
            self._admin(f'CREATE ROLE "{role}" LOGIN')
            self.created_roles.append(role)
        self._admin(f'CREATE DATABASE "{self.name("audited")}" OWNER "{self.owner}"')
        self.created_databases.append(self.name("audited"))
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": self.url("audited"),
                "MIGRATION_DATABASE_URI": self.url("audited", self.owner),
                "LOG_LEVEL": "WARNING",
            }
        )
        with app.app_context():
            upgrade()
            db.engine.dispose()
        # The other two are copies of the migrated one, then changed by its owner.
        for mode in ("off", "continuum"):
            self._admin(
                f'CREATE DATABASE "{self.name(mode)}" TEMPLATE "{self.name("audited")}"'
                f' OWNER "{self.owner}"'
            )
            self.created_databases.append(self.name(mode))
            owner = create_engine(self.url(mode, self.owner))
            with owner.begin() as connection:
                for item in REGISTRY.audit_declaration().audited:
                    for trigger in (CAPTURE_TRIGGER, f"{CAPTURE_TRIGGER}_truncate"):
                        connection.execute(text(f'DROP TRIGGER "{trigger}" ON "{item.table}"'))
            owner.dispose()

    def owner_engine(self, mode: str):
        return create_engine(self.url(mode, self.owner))

    def drop(self) -> None:
        """Drop every database and role this run created, whatever state they are in."""
        for name in reversed(self.created_databases):
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for role in reversed(self.created_roles):
            self._admin(f'DROP ROLE IF EXISTS "{role}"')
        self.admin.dispose()


# --- SQLAlchemy-Continuum -----------------------------------------------------------


class ContinuumSession(Session):
    """The sessions Continuum versions; the portal's own sessions stay untouched by it."""


def continuum_model():
    """Map the ``needs`` table's columns on a separate declarative base, versioned."""
    from sqlalchemy_continuum import make_versioned, version_class

    from portal.models.base import NAMING_CONVENTION, UTCDateTime, check_in, utc_now
    from portal.models.need import NEED_STATUSES, PRIORITIES

    # No user class: the portal's users table is not mapped on this base. Continuum's
    # transaction row then records when, not who (the triggers record both).
    make_versioned(user_cls=None, session=ContinuumSession)

    class ContinuumBase(DeclarativeBase):
        metadata = MetaData(naming_convention=NAMING_CONVENTION)

    class VersionedNeed(ContinuumBase):
        """The portal's Need, column for column, without its relationships."""

        __tablename__ = "needs"
        __versioned__ = {}
        __table_args__ = (
            CheckConstraint(check_in("status", NEED_STATUSES), name="status"),
            CheckConstraint(check_in("priority", PRIORITIES), name="priority"),
        )

        id: Mapped[int] = mapped_column(primary_key=True)
        code: Mapped[str] = mapped_column(String(60))
        cycle_id: Mapped[int] = mapped_column(Integer)
        tenant_id: Mapped[int] = mapped_column(Integer)
        pillar_id: Mapped[int] = mapped_column(Integer)
        category_id: Mapped[int] = mapped_column(Integer)
        perspective_id: Mapped[int] = mapped_column(Integer)
        title: Mapped[str] = mapped_column(String(200))
        description: Mapped[str] = mapped_column(Text)
        source_reference: Mapped[str] = mapped_column(String(300), default="")
        priority: Mapped[str] = mapped_column(String(10), default="medium")
        status: Mapped[str] = mapped_column(String(20), default="draft")
        return_comment: Mapped[str | None] = mapped_column(Text)
        previous_need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id"))
        version: Mapped[int] = mapped_column(Integer)
        created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
        updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)

        __mapper_args__ = {"version_id_col": version}

    configure_mappers()
    version_table = version_class(VersionedNeed).__table__
    transaction_table = ContinuumBase.metadata.tables["transaction"]
    return ContinuumBase, VersionedNeed, [transaction_table, version_table]


def install_continuum(databases: Databases, base, tables, app_role: str) -> None:
    """Create Continuum's tables as the schema's owner and let the application write them."""
    owner = databases.owner_engine("continuum")
    with owner.begin() as connection:
        base.metadata.create_all(connection, tables=tables)
        names = ", ".join(f'"{table.name}"' for table in tables)
        connection.execute(text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON {names} TO "{app_role}"'))
        connection.execute(
            text(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{app_role}"')
        )
    owner.dispose()


# --- The workload -------------------------------------------------------------------


@dataclass(frozen=True)
class Seed:
    """What every database holds before the workload: a partner, its editor, a cycle."""

    tenant_id: int
    user_id: int
    email: str
    economy_id: int
    cycle_id: int
    pillar_id: int
    category_id: int
    perspective_id: int


def seed(app) -> Seed:
    """Create the acting partner, its editor and an open cycle, as the system."""
    from portal.extensions import db
    from portal.models import (
        Cycle,
        NeedCategory,
        PartnerEconomy,
        Perspective,
        Pillar,
        Tenant,
        User,
        UserRole,
    )

    with app.app_context():
        session = db.session
        economy = session.scalar(select(PartnerEconomy).where(PartnerEconomy.code == "AL"))
        tenant = Tenant(code="AL-MOI", name="Ministry of Interior", kind="partner", economy=economy)
        user = User(
            email="editor@ministry.example",
            name="Editor",
            tenant=tenant,
            role_grants=[UserRole(role="editor")],
        )
        cycle = Cycle(
            name="2026-2027", starts_on=date(2026, 10, 1), ends_on=date(2027, 3, 31), status="open"
        )
        session.add_all([tenant, user, cycle])
        session.commit()
        found = Seed(
            tenant_id=tenant.id,
            user_id=user.id,
            email=user.email,
            economy_id=economy.id,
            cycle_id=cycle.id,
            pillar_id=session.scalar(select(Pillar.id).order_by(Pillar.id).limit(1)),
            category_id=session.scalar(select(NeedCategory.id).order_by(NeedCategory.id).limit(1)),
            perspective_id=session.scalar(select(Perspective.id).order_by(Perspective.id).limit(1)),
        )
        db.session.remove()
    return found


def need_fields(seeded: Seed, number: int) -> dict:
    """Return the columns of the need numbered ``number``."""
    return {
        "cycle_id": seeded.cycle_id,
        "tenant_id": seeded.tenant_id,
        "pillar_id": seeded.pillar_id,
        "category_id": seeded.category_id,
        "perspective_id": seeded.perspective_id,
        "title": f"Align the criminal code with the directive ({number})",
        "description": "Travelling for the purpose of terrorism is not yet an offence.",
        # Given here rather than by the portal, so that no mode pays for looking one up.
        "code": f"BENCH-{uuid.uuid4().hex}",
    }


@dataclass
class Target:
    """One database and how to write a need into it and change one, timing both."""

    mode: str
    insert: Callable[[int], int]
    update: Callable[[int, int], None]
    engine: object
    samples: dict[str, list[float]] = field(default_factory=lambda: {op: [] for op in OPERATIONS})
    need_ids: list[int] = field(default_factory=list)


def portal_target(mode: str, app, seeded: Seed) -> Target:
    """Write through the portal's own app and ORM session, as a request would."""
    from portal.extensions import db
    from portal.models import Need

    def insert(number: int) -> int:
        with app.app_context():
            started = time.perf_counter()
            need = Need(**need_fields(seeded, number))
            db.session.add(need)
            db.session.commit()
            elapsed = time.perf_counter() - started
            target.samples["insert"].append(elapsed)
            # The key without a refresh: reading need.id would load the expired row.
            return inspect(need).identity[0]

    def update(need_id: int, number: int) -> None:
        with app.app_context():
            started = time.perf_counter()
            need = db.session.get(Need, need_id)
            need.title = f"Align the criminal code with the directive, revised ({number})"
            db.session.commit()
            elapsed = time.perf_counter() - started
            target.samples["update"].append(elapsed)

    with app.app_context():
        engine = db.engine
    target = Target(mode, insert, update, engine)
    return target


@event.listens_for(ContinuumSession, "after_begin")
def _identify_continuum_transaction(session, transaction, connection) -> None:
    from portal.identity import apply_identity, current_principal

    apply_identity(connection, current_principal())


@contextmanager
def one_identity_statement() -> Iterator[None]:
    """Tell PostgreSQL who acts once per transaction in Continuum's writes too.

    The portal identifies every Session's transaction; Continuum writes its versions
    through a second Session on the same connection, which would send the identity
    again. For the time of one Continuum write, only its own session identifies.
    """
    from portal import identity

    event.remove(Session, "after_begin", identity._identify_transaction)
    try:
        yield
    finally:
        event.listen(Session, "after_begin", identity._identify_transaction)


def continuum_target(engine, model, seeded: Seed, app) -> Target:
    """Write through a plain versioned model, in a session per operation.

    Inside an app context, as the portal's writes are: the identity the transaction
    starts with is signed with the app's key, which the database checks.
    """

    def insert(number: int) -> int:
        with app.app_context(), one_identity_statement():
            started = time.perf_counter()
            session = ContinuumSession(engine)
            need = model(**need_fields(seeded, number))
            session.add(need)
            session.commit()
            elapsed = time.perf_counter() - started
        target.samples["insert"].append(elapsed)
        need_id = inspect(need).identity[0]
        session.close()
        return need_id

    def update(need_id: int, number: int) -> None:
        with app.app_context(), one_identity_statement():
            started = time.perf_counter()
            session = ContinuumSession(engine)
            need = session.get(model, need_id)
            need.title = f"Align the criminal code with the directive, revised ({number})"
            session.commit()
            elapsed = time.perf_counter() - started
        target.samples["update"].append(elapsed)
        session.close()

    target = Target("continuum", insert, update, engine)
    return target


@contextmanager
def acting_as_editor(seeded: Seed, app) -> Iterator[None]:
    """Act as the seeded editor: row-level security identity and audit context."""
    from audit import context as audit_context
    from portal.identity import Principal
    from portal.identity import act_as_principal as act_as

    principal = Principal(
        user_id=seeded.user_id,
        tenant_id=seeded.tenant_id,
        tenant_kind="partner",
        economy_id=seeded.economy_id,
        roles=frozenset({"editor"}),
    )
    audit_context.bind(
        notify=False,
        actor_id=seeded.user_id,
        actor_kind="user",
        actor_label=seeded.email,
        actor_tenant_id=seeded.tenant_id,
        client_address="192.0.2.10",
    )
    with app.app_context():
        act_as(principal)
    try:
        yield
    finally:
        with app.app_context():
            act_as(None)
        audit_context.clear()


def new_request() -> None:
    """Give the next write a request id of its own, as a request would have."""
    from audit import context as audit_context

    audit_context.bind(notify=False, request_id=uuid.uuid4().hex)


def run_round(targets: list[Target], round_number: int, operations: int, record: bool) -> None:
    """Run ``operations`` inserts then as many updates on every target, interleaved."""
    gc.collect()
    inserted: dict[str, list[int]] = {target.mode: [] for target in targets}
    for index in range(operations):
        shift = (round_number + index) % len(targets)
        for target in targets[shift:] + targets[:shift]:
            new_request()
            inserted[target.mode].append(target.insert(round_number * operations + index))
    for index in range(operations):
        shift = (round_number + index) % len(targets)
        for target in targets[shift:] + targets[:shift]:
            new_request()
            target.update(inserted[target.mode][index], round_number * operations + index)
    for target in targets:
        target.need_ids += inserted[target.mode]
        if not record:
            for samples in target.samples.values():
                samples.clear()


def count_statements(target: Target, number: int) -> dict[str, list[str]]:
    """Return the statements the application sends for one insert and one update."""
    sent: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        sent.append(" ".join(statement.split()))

    event.listen(target.engine, "before_cursor_execute", listen)
    try:
        new_request()
        need_id = target.insert(number)
        inserted = list(sent)
        sent.clear()
        new_request()
        target.update(need_id, number)
        updated = list(sent)
    finally:
        event.remove(target.engine, "before_cursor_execute", listen)
    # These two writes are not measurements.
    for samples in target.samples.values():
        samples.pop()
    target.need_ids.append(need_id)
    return {"insert": inserted, "update": updated}


_EXPLAIN_INSERT = text(
    "EXPLAIN (ANALYZE, FORMAT JSON) INSERT INTO needs (code, cycle_id, tenant_id, pillar_id,"
    " category_id, perspective_id, title, description, source_reference, priority, status,"
    " version, created_at, updated_at) VALUES (:code, :cycle_id, :tenant_id, :pillar_id,"
    " :category_id, :perspective_id, :title, :description, '', 'medium', 'draft', 1, now(),"
    " now())"
)
_EXPLAIN_UPDATE = text(
    "EXPLAIN (ANALYZE, FORMAT JSON) UPDATE needs SET title = :title, version = version + 1,"
    " updated_at = now() WHERE id = :need_id"
)


def server_times(target: Target, app, seeded: Seed, repeats: int) -> dict[str, dict[str, float]]:
    """Return the server's own time per write and per trigger (EXPLAIN ANALYZE, rolled back).

    Commit is not included: what a write costs at commit is the WAL it flushes.
    """
    from portal.extensions import db

    found: dict[str, dict[str, list[float]]] = {op: {} for op in OPERATIONS}
    need_id = target.need_ids[-1]
    for number in range(repeats):
        for op, statement, parameters in (
            ("insert", _EXPLAIN_INSERT, need_fields(seeded, number)),
            ("update", _EXPLAIN_UPDATE, {"title": f"Explained ({number})", "need_id": need_id}),
        ):
            with app.app_context():
                plan = db.session.execute(statement, parameters).scalar()[0]
                db.session.rollback()
            spent = {"statement": plan["Execution Time"]}
            for trigger in plan.get("Triggers", []):
                name = trigger["Trigger Name"]
                if name.startswith("RI_ConstraintTrigger"):
                    name = "foreign key checks"
                spent[name] = spent.get(name, 0.0) + trigger["Time"]
            for name, value in spent.items():
                found[op].setdefault(name, []).append(value)
    return {
        op: {name: statistics.median(values) for name, values in times.items()}
        for op, times in found.items()
    }


def wal_per_write(
    databases: Databases, targets: dict[str, Target], writes: int
) -> dict[str, dict[str, float]]:
    """Return the WAL bytes each mode's transactions wrote per write (median).

    The bytes a commit must flush are what the audited write adds beyond the server
    time of its trigger. Read from the WAL itself (``pg_walinspect``) by transaction id,
    so other databases' traffic on a shared server does not count.
    """
    admin_url = databases.admin_url.set(database=databases.name("audited"))
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_walinspect"))
        start = connection.scalar(text("SELECT pg_current_wal_insert_lsn()::text"))
    current: set[str] = set()

    def remember(session, _flush_context) -> None:
        connection = session.connection()
        current.add(
            connection.scalar(
                text("SELECT mod(pg_current_xact_id()::text::bigint, 4294967296)::text")
            )
        )

    transactions: dict[tuple[str, str], list[str]] = {}
    event.listen(Session, "after_flush", remember)
    try:
        for mode, target in targets.items():
            kept = {op: len(samples) for op, samples in target.samples.items()}
            for op in OPERATIONS:
                for number in range(writes):
                    current.clear()
                    new_request()
                    if op == "insert":
                        target.need_ids.append(target.insert(2 * 10**6 + number))
                    else:
                        target.update(target.need_ids[-1 - number], 2 * 10**6 + number)
                    transactions.setdefault((mode, op), []).extend(current)
            for op, length in kept.items():
                del target.samples[op][length:]
    finally:
        event.remove(Session, "after_flush", remember)
    with admin.connect() as connection:
        end = connection.scalar(text("SELECT pg_current_wal_flush_lsn()::text"))
        rows = connection.execute(
            text(
                "SELECT xid::text, sum(record_length) FROM pg_get_wal_records_info("
                "CAST(:start AS pg_lsn), CAST(:end AS pg_lsn))"
                " WHERE xid::text = ANY(:xids) GROUP BY xid"
            ),
            {"start": start, "end": end, "xids": sorted(set().union(*transactions.values()))},
        ).all()
    admin.dispose()
    written = {xid: int(total) for xid, total in rows}
    return {
        mode: {
            op: statistics.median(written.get(xid, 0) for xid in transactions[mode, op])
            for op in OPERATIONS
        }
        for mode in targets
    }


# --- Report -------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:.3f}"


def short(statement: str) -> str:
    return statement if len(statement) <= 90 else statement[:87] + "..."


def report(
    targets: dict[str, Target],
    counts: dict[str, dict[str, list[str]]],
    server: dict[str, dict[str, dict[str, float]]],
    wal: dict[str, dict[str, float]],
    trail: dict[str, int],
) -> bool:
    """Print the figures and the targets; return whether every target is met."""
    medians = {
        (mode, op): statistics.median(target.samples[op])
        for mode, target in targets.items()
        for op in OPERATIONS
    }
    p95s = {
        (mode, op): percentile(target.samples[op], 0.95)
        for mode, target in targets.items()
        for op in OPERATIONS
    }
    samples = len(targets["audited"].samples["insert"])
    print()
    print(
        f"Single-row writes, {samples} of each per mode, milliseconds per write (commit included)"
    )
    print()
    header = f"| {'operation':<9} | {'mode':<9} | {'median':>7} | {'p95':>7} | statements |"
    print(header)
    print("|" + "|".join("-" * len(part) for part in header.split("|")[1:-1]) + "|")
    for op in OPERATIONS:
        for mode in MODES:
            print(
                f"| {op:<9} | {mode:<9} | {milliseconds(medians[mode, op]):>7} |"
                f" {milliseconds(p95s[mode, op]):>7} | {len(counts[mode][op]):>10} |"
            )
    print()
    results = []
    for op in OPERATIONS:
        on, off, continuum = (medians[mode, op] for mode in MODES)
        ratio = on / off
        p95_ratio = p95s["audited", op] / p95s["off", op]
        versus = on / continuum
        print(
            f"{op}: audited/off = {ratio:.3f} (p95 {p95_ratio:.3f}),"
            f" audited/continuum = {versus:.3f} (p95"
            f" {p95s['audited', op] / p95s['continuum', op]:.3f})"
        )
        results.append((f"{op}: audited median <= {AUDITED_LIMIT}x off", ratio <= AUDITED_LIMIT))
        results.append((f"{op}: audited median faster than Continuum", on < continuum))
    for op in OPERATIONS:
        same = len(counts["audited"][op]) == len(counts["off"][op])
        results.append((f"{op}: no extra statement from the app with auditing on", same))
    print()
    print("Server time per write, without commit (EXPLAIN ANALYZE, rolled back; median ms):")
    for mode, spent in server.items():
        for op in OPERATIONS:
            parts = ", ".join(f"{name} {value:.3f}" for name, value in spent[op].items())
            print(f"  {mode} {op}: {parts}")
    print()
    print("WAL written per write, commit record included (pg_walinspect; median bytes):")
    for mode in MODES:
        print("  " + ", ".join(f"{mode} {op} {wal[mode][op]:.0f}" for op in OPERATIONS))
    print()
    print("Statements the application sends per write (before_cursor_execute):")
    for mode in MODES:
        for op in OPERATIONS:
            print(f"  {mode} {op}: {len(counts[mode][op])}")
            for statement in counts[mode][op]:
                print(f"    {short(statement)}")
    print()
    print(
        "Trail check: audit entries for needs in 'audited' {audited}, in 'off' {off};"
        " Continuum versions {continuum}; writes made {writes} per mode".format(**trail)
    )
    results.append(
        (
            "every write recorded (triggers and Continuum), none with auditing off",
            trail["audited"] == trail["continuum"] == trail["writes"] and trail["off"] == 0,
        )
    )
    print()
    for name, passed in results:
        print(f"{'PASS' if passed else 'FAIL'}  {name}")
    return all(passed for _, passed in results)


def trail_counts(databases: Databases, version_table: str, writes: int) -> dict[str, int]:
    """Count what was recorded, as the owner (the trail is not the app role's to count)."""
    counted = {"writes": writes}
    for mode in ("audited", "off"):
        engine = databases.owner_engine(mode)
        with engine.connect() as connection:
            counted[mode] = connection.scalar(
                text("SELECT count(*) FROM audit_entries WHERE table_name = 'needs'")
            )
        engine.dispose()
    engine = databases.owner_engine("continuum")
    with engine.connect() as connection:
        counted["continuum"] = connection.scalar(
            select(func.count()).select_from(text(f'"{version_table}"'))
        )
    engine.dispose()
    return counted


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    try:
        import sqlalchemy_continuum  # noqa: F401
    except ImportError:
        print("SQLAlchemy-Continuum is missing: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    from portal import create_app
    from portal.extensions import db

    databases = Databases(arguments.admin_url)
    apps = {}
    continuum_engine = None
    try:
        started = time.perf_counter()
        print(f"Building databases {databases.prefix}_* ...", flush=True)
        databases.build()
        base, versioned_need, continuum_tables = continuum_model()
        install_continuum(databases, base, continuum_tables, databases.app_role)
        for mode in MODES:
            apps[mode] = create_app(
                {
                    "SQLALCHEMY_DATABASE_URI": databases.url(mode),
                    "MIGRATION_DATABASE_URI": databases.url(mode, databases.owner),
                    "LOG_LEVEL": "WARNING",
                }
            )
        seeds = {mode: seed(app) for mode, app in apps.items()}
        if len(set(seeds.values())) != 1:
            raise RuntimeError(f"the databases were seeded differently: {seeds}")
        seeded = seeds["audited"]
        # Continuum gets the same engine options (pool, pre-ping, driver) as the portal's.
        options = dict(apps["continuum"].config["SQLALCHEMY_ENGINE_OPTIONS"])
        continuum_engine = create_engine(databases.url("continuum"), **options)
        targets = {
            "audited": portal_target("audited", apps["audited"], seeded),
            "off": portal_target("off", apps["off"], seeded),
            "continuum": continuum_target(
                continuum_engine, versioned_need, seeded, apps["continuum"]
            ),
        }
        ordered = [targets[mode] for mode in MODES]
        with acting_as_editor(seeded, apps["audited"]):
            print(f"Warming up, then {arguments.rounds} rounds ...", flush=True)
            run_round(ordered, 0, min(arguments.operations, 20), record=False)
            for round_number in range(1, arguments.rounds + 1):
                run_round(ordered, round_number, arguments.operations, record=True)
            counts = {
                mode: count_statements(target, 10**6 + index)
                for index, (mode, target) in enumerate(targets.items())
            }
            server = {
                mode: server_times(targets[mode], apps[mode], seeded, repeats=25)
                for mode in ("audited", "off")
            }
            wal = wal_per_write(databases, targets, writes=20)
        writes = 2 * len(targets["audited"].need_ids)
        trail = trail_counts(databases, continuum_tables[1].name, writes)
        passed = report(targets, counts, server, wal, trail)
        print(f"\n(run took {time.perf_counter() - started:.0f} s)")
        return 0 if passed else 1
    finally:
        for app in apps.values():
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        if continuum_engine is not None:
            continuum_engine.dispose()
        databases.drop()


if __name__ == "__main__":
    sys.exit(main())
