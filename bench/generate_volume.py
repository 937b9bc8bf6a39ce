"""Fill a database with a large, realistic volume of needs, responses and support links.

    python bench/generate_volume.py --database-url sqlite:///instance/bench.sqlite3 --migrate
    python bench/generate_volume.py \\
        --database-url postgresql+psycopg://iisg_owner@127.0.0.1/iisg_bench \\
        --app-database-url postgresql+psycopg://iisg_app@127.0.0.1/iisg_bench --migrate

``--database-url`` is the role that owns the schema (on PostgreSQL row-level security binds
it too; the script says it acts as the system, as the command line does). With
``--migrate`` the schema is created first, granting the app role of ``--app-database-url``
its data privileges. Rows go in with multi-row INSERTs in batches, not through the ORM
unit of work, so 100,000 needs and 100,000 responses take seconds, not minutes.

The shape follows the IISG's: six partners, a few dozen member organisations, needs spread
over several two-yearly cycles (the open one still has drafts and submitted needs), most
responses published and open to all members, about 1.5 support links per response in
every state of agreement, budgets in a few currencies.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402
from sqlalchemy.engine import Connection, make_url  # noqa: E402

from portal.config import normalise_database_url  # noqa: E402
from portal.models import (  # noqa: E402
    Cycle,
    Need,
    NeedCategory,
    PartnerEconomy,
    Perspective,
    Pillar,
    Response,
    SupportLink,
    Tenant,
    response_beneficiaries,
    response_pillars,
)

BATCH = 5_000
PARTNERS = ("AL", "BA", "XK", "ME", "MK", "RS")
CURRENCIES = (("EUR", 80), ("USD", 15), ("GBP", 5))
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Create a large volume of needs, responses and support links for benchmarks."
    )
    parser.add_argument(
        "--database-url", required=True, help="URL of the schema owner (or a SQLite file)"
    )
    parser.add_argument(
        "--app-database-url", help="URL the portal connects with (PostgreSQL: its own role)"
    )
    parser.add_argument("--migrate", action="store_true", help="create the schema first")
    parser.add_argument("--needs", type=int, default=100_000)
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--links-per-response", type=float, default=1.5)
    parser.add_argument("--cycles", type=int, default=5, help="two-yearly cycles, the last open")
    parser.add_argument("--members", type=int, default=30, help="member organisations")
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args(argv)


def migrate(owner_url: str, app_url: str | None) -> None:
    """Create the schema with the portal's migrations."""
    from flask_migrate import upgrade

    from portal import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": app_url or owner_url,
            "MIGRATION_DATABASE_URI": owner_url,
            "CHECK_DATABASE_ON_START": False,
        }
    )
    with app.app_context():
        upgrade()


def act_as_system(connection: Connection) -> None:
    """Tell the row-level security policies that the system is writing (as the CLI does)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT set_config('iisg.mode', 'system', false)"))


def weighted(rng: random.Random, choices) -> str:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights)[0]


def insert_batches(connection: Connection, table, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        connection.execute(insert(table), rows[start : start + BATCH])


def next_id(connection: Connection, model) -> int:
    return (connection.scalar(select(func.max(model.id))) or 0) + 1


def ids_by_code(connection: Connection, model) -> dict[str, int]:
    return dict(connection.execute(select(model.code, model.id)).all())


def ensure_tenants(connection: Connection, members: int) -> tuple[dict, list[int]]:
    """Return the bench's partner tenants by economy code, and its member tenant ids."""
    economies = ids_by_code(connection, PartnerEconomy)
    wanted = [
        {
            "code": f"{code}-BENCH",
            "name": f"Ministry of Interior {code}",
            "kind": "partner",
            "economy_id": economies[code],
            "active": True,
            "created_at": NOW,
        }
        for code in PARTNERS
    ] + [
        {
            "code": f"MEMBER-{number:02d}",
            "name": f"Member organisation {number}",
            "kind": "member",
            "economy_id": None,
            "active": True,
            "created_at": NOW,
        }
        for number in range(1, members + 1)
    ]
    existing = ids_by_code(connection, Tenant)
    missing = [row for row in wanted if row["code"] not in existing]
    if missing:
        connection.execute(insert(Tenant), missing)
    if "IISG-SEC" not in existing and not connection.scalar(
        select(Tenant.id).where(Tenant.kind == "secretariat")
    ):
        connection.execute(
            insert(Tenant),
            [
                {
                    "code": "IISG-SEC",
                    "name": "IISG Secretariat",
                    "kind": "secretariat",
                    "economy_id": None,
                    "active": True,
                    "created_at": NOW,
                }
            ],
        )
    codes = ids_by_code(connection, Tenant)
    partners = {code: codes[f"{code}-BENCH"] for code in PARTNERS}
    return partners, [codes[f"MEMBER-{number:02d}"] for number in range(1, members + 1)]


def ensure_cycles(connection: Connection, count: int) -> list[tuple[int, str]]:
    """Return (id, status) of ``count`` two-yearly cycles ending with the open one."""
    existing = {
        name: (cycle_id, status)
        for cycle_id, name, status in connection.execute(select(Cycle.id, Cycle.name, Cycle.status))
    }
    open_taken = any(status == "open" for _id, status in existing.values())
    cycles = []
    last_year = 2026
    for offset in reversed(range(count)):
        year = last_year - 2 * offset
        name = f"{year}-{year + 1}"
        if name not in existing:
            is_open = offset == 0 and not open_taken
            status = "open" if is_open else ("adopted" if offset < 3 else "archived")
            connection.execute(
                insert(Cycle),
                [
                    {
                        "name": name,
                        "starts_on": date(year, 1, 15),
                        "ends_on": date(year + 1, 6, 30),
                        "submission_deadline": date(year + 1, 3, 31),
                        "status": status,
                        "board_meeting": None if is_open else f"IISG Board meeting {year + 1}",
                        "adopted_on": None if is_open else date(year + 1, 6, 15),
                        "version": 1,
                        "created_at": NOW,
                    }
                ],
            )
        cycle_id, status = connection.execute(
            select(Cycle.id, Cycle.status).where(Cycle.name == name)
        ).one()
        cycles.append((cycle_id, status))
    return cycles


OPEN_CYCLE_STATUSES = (
    ("draft", 15),
    ("submitted", 30),
    ("returned", 5),
    ("validated", 45),
    ("withdrawn", 5),
)
CLOSED_CYCLE_STATUSES = (("adopted", 88), ("withdrawn", 8), ("returned", 4))
LINK_STATUSES = (("proposed", 20), ("confirmed", 40), ("validated", 35), ("disputed", 5))


def past(rng: random.Random, days: int) -> datetime:
    return NOW - timedelta(days=rng.randint(0, days), seconds=rng.randint(0, 86_399))


def generate(connection: Connection, options: argparse.Namespace) -> dict[str, int]:
    rng = random.Random(options.seed)
    partners, members = ensure_tenants(connection, options.members)
    cycles = ensure_cycles(connection, options.cycles)
    pillars = list(ids_by_code(connection, Pillar).values())
    pillar_codes = {pillar_id: code for code, pillar_id in ids_by_code(connection, Pillar).items()}
    cycle_names = dict(connection.execute(select(Cycle.id, Cycle.name)).all())
    categories = list(ids_by_code(connection, NeedCategory).values())
    perspectives = list(ids_by_code(connection, Perspective).values())
    economies = ids_by_code(connection, PartnerEconomy)
    partner_codes = list(partners)

    first_need = next_id(connection, Need)
    needs, open_needs = [], []
    for number in range(options.needs):
        need_id = first_need + number
        cycle_id, cycle_status = cycles[number % len(cycles)]
        statuses = OPEN_CYCLE_STATUSES if cycle_status == "open" else CLOSED_CYCLE_STATUSES
        status = weighted(rng, statuses)
        changed = past(rng, 900)
        partner, pillar_id = rng.choice(partner_codes), rng.choice(pillars)
        needs.append(
            {
                "id": need_id,
                # Numbered by id, which is unique, rather than counted per economy and pillar.
                "code": f"{cycle_names[cycle_id][:4]}-{partner}-{pillar_codes[pillar_id]}-"
                f"{need_id:03d}",
                "cycle_id": cycle_id,
                "tenant_id": partners[partner],
                "pillar_id": pillar_id,
                "category_id": rng.choice(categories),
                "perspective_id": rng.choice(perspectives),
                "title": f"Need {need_id}: strengthen capacity {rng.randint(1, 999)}",
                "description": "Generated for the volume benchmark.",
                "source_reference": "",
                "priority": rng.choice(("high", "medium", "low")),
                "status": status,
                "return_comment": "Please add the strategy reference."
                if status == "returned"
                else None,
                "previous_need_id": None,
                "version": 1,
                "created_at": changed - timedelta(days=30),
                "updated_at": changed,
            }
        )
        if status != "draft":
            open_needs.append((need_id, cycle_status))
    insert_batches(connection, Need.__table__, needs)

    first_response = next_id(connection, Response)
    responses, pillar_rows, beneficiary_rows = [], [], []
    for number in range(options.responses):
        response_id = first_response + number
        has_budget = rng.random() < 0.85
        starts = date(2018, 1, 1) + timedelta(days=rng.randint(0, 3000))
        changed = past(rng, 900)
        visibility = "restricted" if rng.random() < 0.2 else "members"
        responses.append(
            {
                "id": response_id,
                "tenant_id": rng.choice(members),
                "title": f"Programme {response_id}",
                "description": "Generated for the benchmark.",
                "support_type": rng.choice(
                    (
                        "technical_assistance",
                        "training",
                        "equipment",
                        "twinning",
                        "legislative_advice",
                        "other",
                    )
                ),
                "instrument": rng.choice(("IPA III", "bilateral", "")),
                "starts_on": starts,
                "ends_on": starts + timedelta(days=rng.randint(90, 1500)),
                "budget_amount": Decimal(rng.randint(10, 5000) * 1000) if has_budget else None,
                "budget_currency": weighted(rng, CURRENCIES) if has_budget else None,
                "implementation_status": weighted(
                    rng, (("planned", 20), ("ongoing", 45), ("completed", 30), ("cancelled", 5))
                ),
                "record_status": "draft" if rng.random() < 0.1 else "published",
                "visibility": visibility,
                "external_reference": None,
                "version": 1,
                "created_at": changed - timedelta(days=30),
                "updated_at": changed,
            }
        )
        for pillar_id in rng.sample(pillars, rng.choice((1, 1, 1, 2))):
            pillar_rows.append({"response_id": response_id, "pillar_id": pillar_id})
        if visibility == "restricted" or rng.random() < 0.3:
            for code in rng.sample(partner_codes, rng.choice((1, 1, 2))):
                beneficiary_rows.append({"response_id": response_id, "economy_id": economies[code]})
    insert_batches(connection, Response.__table__, responses)
    insert_batches(connection, response_pillars, pillar_rows)
    insert_batches(connection, response_beneficiaries, beneficiary_rows)

    links, seen = [], set()
    wanted_links = int(options.responses * options.links_per_response)
    while len(links) < wanted_links:
        response_id = first_response + rng.randrange(options.responses)
        need_id, _cycle_status = rng.choice(open_needs)
        if (response_id, need_id) in seen:
            continue
        seen.add((response_id, need_id))
        status = weighted(rng, LINK_STATUSES)
        links.append(
            {
                "response_id": response_id,
                "need_id": need_id,
                "coverage": "full" if rng.random() < 0.4 else "partial",
                "status": status,
                "note": "",
                "version": 1,
                "created_at": NOW,
                "updated_at": NOW,
                "confirmed_at": NOW if status in ("confirmed", "validated") else None,
                "validated_at": NOW if status == "validated" else None,
            }
        )
    insert_batches(connection, SupportLink.__table__, links)
    if connection.dialect.name == "postgresql":
        for table in ("needs", "responses", "support_links"):
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" (SELECT max(id) FROM {table}))"
                )
            )
    return {
        "needs": len(needs),
        "responses": len(responses),
        "links": len(links),
        "response pillars": len(pillar_rows),
        "beneficiaries": len(beneficiary_rows),
    }


def main(argv=None) -> int:
    options = arguments(argv)
    owner_url = normalise_database_url(options.database_url)
    app_url = normalise_database_url(options.app_database_url) if options.app_database_url else None
    if options.migrate:
        migrate(owner_url, app_url)
    engine = create_engine(owner_url)
    started = time.perf_counter()
    with engine.begin() as connection:
        act_as_system(connection)
        counts = generate(connection, options)
    # Fresh statistics and visibility map, as autovacuum gives a live database (VACUUM
    # runs outside a transaction; on SQLite it only rewrites the file).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("VACUUM ANALYZE"))
        else:
            connection.execute(text("ANALYZE"))
    engine.dispose()
    elapsed = time.perf_counter() - started
    summary = ", ".join(f"{count:,} {name}" for name, count in counts.items())
    print(f"{make_url(owner_url).render_as_string()}: created {summary} in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
